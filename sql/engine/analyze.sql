-- analyze.sql (the clone, after clone_guard.sql): a restore has no planner statistics.
ANALYZE;
