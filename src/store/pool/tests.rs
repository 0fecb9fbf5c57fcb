//! A method's own transaction inside a unit of work is a savepoint: dropped or failed, it is
//! undone alone, and the unit goes on (PostgreSQL would otherwise refuse every later statement
//! of an aborted transaction).

use super::*;
use crate::store::DatabaseUrl;

async fn savepoints_undo_alone(store: SqlStore) {
    sqlx::raw_sql("CREATE TABLE IF NOT EXISTS pool_probe (n INTEGER PRIMARY KEY)")
        .execute(&store.pool)
        .await
        .unwrap();
    let unit = store.open_unit().await.unwrap();
    let insert = |n: i64| sqlx::query("INSERT INTO pool_probe (n) VALUES ($1)").bind(n);
    insert(1)
        .execute(&mut *unit.conn().await.unwrap())
        .await
        .unwrap();

    // A method's transaction dropped without a commit: undone before the next statement.
    let mut tx = unit.begin().await.unwrap();
    insert(2).execute(&mut *tx).await.unwrap();
    drop(tx);

    // One that failed: its error is its own; the unit still takes statements.
    let mut tx = unit.begin().await.unwrap();
    insert(3).execute(&mut *tx).await.unwrap();
    assert!(
        insert(1).execute(&mut *tx).await.is_err(),
        "a duplicate key"
    );
    drop(tx);

    // One that committed stays with the unit.
    let mut tx = unit.begin().await.unwrap();
    insert(4).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();

    insert(5)
        .execute(&mut *unit.conn().await.unwrap())
        .await
        .unwrap();
    unit.commit_unit().await.unwrap();

    let rows: Vec<(i64,)> = sqlx::query_as("SELECT n FROM pool_probe ORDER BY n")
        .fetch_all(&store.pool)
        .await
        .unwrap();
    assert_eq!(rows, vec![(1,), (4,), (5,)]);
    sqlx::raw_sql("DROP TABLE pool_probe")
        .execute(&store.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn savepoints_undo_alone_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("probe.db").display());
    let store = SqlStore::connect(&DatabaseUrl::parse(&url).unwrap())
        .await
        .unwrap();
    savepoints_undo_alone(store).await;
}

#[tokio::test]
async fn savepoints_undo_alone_on_postgres() {
    let Ok(url) = std::env::var("ROUNDS_TEST_POSTGRES") else {
        eprintln!("ROUNDS_TEST_POSTGRES is not set; scripts/test sets it");
        return;
    };
    let store = SqlStore::connect(&DatabaseUrl::parse(&url).unwrap())
        .await
        .unwrap();
    let table = sqlx::raw_sql("DROP TABLE IF EXISTS pool_probe").execute(&store.pool);
    table.await.unwrap();
    savepoints_undo_alone(store).await;
}
