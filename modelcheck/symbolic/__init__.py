"""Z3 as a second engine on the same specs: symbolic transitions, bounded model checking, k-induction
and helper invariants (Houdini)."""
