namespace GovClone.Sql;

/// <summary>
/// The SQLSTATEs govclone's own SQL raises (<c>RAISE … USING ERRCODE</c> in sql/ and sql/engine/; sql/README.md lists
/// them). The server's standard ones are Npgsql's <see cref="Npgsql.PostgresErrorCodes"/>, which govclone's files raise too
/// where one fits: bspare_take.sql's <c>42P04</c> (<see cref="Npgsql.PostgresErrorCodes.DuplicateDatabase"/>) when a
/// database already has the branch's name.
/// </summary>
public static class GovCloneErrorCodes
{
    /// <summary>
    /// A guard refused the database: prefix_guard.sql and branch_guard.sql (a name the statement may change is not the clone's
    /// family's or the branch's), clone_guard.sql and the files that carry it (the connected database is not a plain clone
    /// name, not the one the caller pinned, or, with none pinned, not marked a complete clone), generate_source.sql and
    /// pad_source.sql (not the sandbox's stand-in).
    /// </summary>
    public const string Guard = "GC001";

    /// <summary>holder_check.sql: the run lock this clone runs under is no longer held by its holder.</summary>
    public const string LockNotHeld = "GC002";

    /// <summary>source_check.sql: a govclone transaction on the source (production) is not read-only, or wrote (issue 21).</summary>
    public const string SourceWritten = "GC004";

    /// <summary>
    /// The template, the spare or the branch spare is not current (require_template.sql, spare_mark.sql, swap.sql,
    /// bspare_mark.sql, bspare_take.sql): nothing was changed.
    /// </summary>
    public const string NotCurrent = "GC003";

    /// <summary>
    /// family_guard.sql: a database where the clone's family's clone, template, next, old or spare would be carries another
    /// family's or another role's marker, or none: nothing behind it ran (govclone refuses, exit 2, naming it).
    /// </summary>
    public const string FamilyGuard = "GC005";

    /// <summary>The seed's or reset's check block: rows it did not write exist (sql/foreign_rows.sql).</summary>
    public const string ForeignRows = "GCFRW";

    /// <summary>branch_mark.sql: the template changed while a branch was copied from it.</summary>
    public const string TemplateChanged = "GCB01";
}
