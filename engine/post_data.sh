# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034, SC2154: the engine's globals are set in one file and read in another: engine_params and main.sh set them.)
# engine/post_data.sh: a streams clone's last post-data, after every lane: foreign keys touching a big table,
# partition trees, triggers, materialized views' data… by pg_restore -j cloneJobs, with parallel workers (the
# lanes are done: the cores are free), in maintenance_work_mem and without JIT (each validation is one query,
# run once).
rest_of_post_data() {
  still_ours
  PGOPTIONS="$PGOPTIONS $build_options -c maintenance_work_mem=$maintenance_work_mem -c max_parallel_maintenance_workers=$jobs" \
    restore --jobs="$jobs" --use-list="$work/post-data.rest.toc" -d "$target" "$work/schema.dump"
}
