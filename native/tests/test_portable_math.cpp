// Filled in by the portable-math / permutation work.
