# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034, SC2154: the engine's globals are set in one file and read in another: engine_params and main.sh set them.)
# engine/template.sh: the FILE_COPY ways: the build (<clone>_next) as a copy of the retained template, or (explicit
# only) of an idle source; swapped in like any build.

# copy_from DATABASE: the build as a FILE_COPY of DATABASE (sql/engine/copy_next.sql).
copy_from() { prepare_target "$1"; }
