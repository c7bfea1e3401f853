namespace GovClone.Sql;

/// <summary>
/// The SQLSTATEs govclone's own SQL raises (<c>RAISE … USING ERRCODE</c> in sql/ and sql/engine/; sql/README.md lists
/// them). The server's standard ones are Npgsql's <see cref="Npgsql.PostgresErrorCodes"/>.
/// </summary>
public static class GovCloneErrorCodes
{
    /// <summary>A name guard refused (prefix_guard.sql, branch_guard.sql, clone_guard.sql and the files that carry it): a name the statement may change is not the clone's family or branch, or the connected database is not one a file may change.</summary>
    public const string Guard = "GC001";

    /// <summary>holder_check.sql: the run lock this clone runs under is no longer held by its holder.</summary>
    public const string LockNotHeld = "GC002";

    /// <summary>source_check.sql: a govclone transaction on the source (production) is not read-only, or wrote (issue 21).</summary>
    public const string SourceWritten = "GC004";

    /// <summary>The template or spare is not current (require_template.sql, spare_mark.sql, swap.sql): nothing was changed.</summary>
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
