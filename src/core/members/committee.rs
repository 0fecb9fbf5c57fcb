//! What only a society's committee may see or do. Checked here, not by platform permissions.

use crate::core::context::Ctx;
use crate::core::error::Refusal;
use crate::core::io::Action;
use crate::core::time_format;

const SHOWN: i64 = 10;

pub async fn log(ctx: &Ctx<'_>) -> Result<Vec<Action>, Refusal> {
    ctx.committee_only("committee")?;
    let entries = ctx.store.admin_log_entries(&ctx.society.key, SHOWN).await?;
    if entries.is_empty() {
        return Ok(vec![ctx.private_reply(
            "The committee log is empty: no missed reminders or failed deliveries.",
        )]);
    }
    let zone = ctx.member_zone().await?;
    let mut lines = vec![format!(
        "The committee log of {}, newest first:",
        ctx.society.name
    )];
    for (at, text) in entries {
        lines.push(format!(
            "{} · {text}",
            time_format::local(at, zone, ctx.now)
        ));
    }
    Ok(vec![ctx.private_reply(lines.join("\n"))])
}
