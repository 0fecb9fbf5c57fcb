//! Round-robin classes for the rotation bonus (see the module notes): the circle method on
//! the members' positions.

/// The round-robin class of a pair: in the circle method on `classes + 1` slots the last slot
/// is fixed, and round `c` pairs `i` with `j` when `i + j = c` (mod `classes`) and `i` with
/// the fixed slot when `2i = c`. Every class is a perfect matching of the slots.
pub(super) fn pair_class(classes: usize, a: usize, b: usize) -> usize {
    let (a, b) = (a.min(b), a.max(b));
    let sum = if b == classes { 2 * a } else { a + b };
    // a, b <= classes, so one or two subtractions replace a division.
    let sum = if sum >= classes { sum - classes } else { sum };
    if sum >= classes { sum - classes } else { sum }
}

/// The slot paired with `a` in round-robin class `class` (see [`pair_class`]).
pub(super) fn round_robin_partner(classes: usize, class: usize, a: usize) -> usize {
    if classes == 0 {
        return a;
    }
    if a >= classes {
        // The fixed slot meets the `i` with `2i = class`; 2 is invertible as `classes` is odd.
        return class % classes * classes.div_ceil(2) % classes;
    }
    let b = (class % classes + classes - a) % classes;
    if b == a { classes } else { b }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_classes_are_perfect_matchings() {
        for slots in [2usize, 4, 6, 10, 50] {
            let classes = slots - 1;
            for class in 0..classes {
                for a in 0..slots {
                    let b = round_robin_partner(classes, class, a);
                    assert_ne!(a, b);
                    assert_eq!(round_robin_partner(classes, class, b), a);
                    assert_eq!(pair_class(classes, a, b), class);
                }
            }
        }
    }
}
