"""The county registry (SPEC §1 "counties"): counties are made here, by admin or province."""
