"""The command line (click + rich). Nothing imports this package; it imports everything else."""
