-- clone_guard.sql (the clone): the guard block that opens every mutating file (seed_committed_state.sql,
-- reset_in_place.sql, compact.sql carry this very text): raises unless current_database() starts with
-- directus_gov_test_ and, when govclone.expected_database is set, equals it. The engine sends it at the head of
-- every write to the clone.
DO $guard$
BEGIN
  IF current_database() NOT LIKE 'directus\_gov\_test\_%' THEN
    RAISE EXCEPTION 'govclone guard: refusing to modify database "%": its name does not start with directus_gov_test_', current_database()
      USING HINT = 'Point the connection at the clone (govclone:cloneDatabase), never at production.';
  END IF;
  IF current_database() ~ '[^a-z0-9_]' OR current_database() = 'directus_gov_test_' THEN
    RAISE EXCEPTION 'govclone guard: refusing to modify database %: a clone''s name is directus_gov_test_ and then only a-z, 0-9 and _ (no newline or other control character, space, quote or look-alike)', to_json(current_database())
      USING HINT = 'Point the connection at the clone (govclone:cloneDatabase), a plain lower-case name.';
  END IF;
  IF coalesce(current_setting('govclone.expected_database', true), '') NOT IN ('', current_database()) THEN
    RAISE EXCEPTION 'govclone guard: connected to "%" but the caller expected "%"', current_database(), current_setting('govclone.expected_database', true)
      USING HINT = 'The connection string and govclone:cloneDatabase disagree; fix the connection.';
  END IF;
END
$guard$;
