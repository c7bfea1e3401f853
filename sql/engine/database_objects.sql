-- database_objects.sql (the database it is run in, read-only): how many objects of its own it holds: every catalog row
-- past what initdb made (oid 16384 and up: relations, schemas, functions, types, extensions) and every large object.
-- 0 for a database just made by CREATE DATABASE from an untouched template1 or template0: what adopt_clone.sql may adopt.
\set ON_ERROR_STOP on
SELECT (SELECT count(*) FROM pg_class WHERE oid >= 16384) + (SELECT count(*) FROM pg_namespace WHERE oid >= 16384)
     + (SELECT count(*) FROM pg_proc WHERE oid >= 16384) + (SELECT count(*) FROM pg_type WHERE oid >= 16384)
     + (SELECT count(*) FROM pg_extension WHERE oid >= 16384) + (SELECT count(*) FROM pg_largeobject_metadata);
