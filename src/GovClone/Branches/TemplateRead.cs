namespace GovClone.Branches;

/// <summary>
/// The one definition of "is the retained template still the one read before the copy, and current" (issue 24.3): the
/// check <c>sql/branch/branch_mark.sql</c> (a branch's copy), <c>bspare_mark.sql</c> (the ready branch spare's copy) and
/// <c>bspare_take.sql</c> (its rename to a branch) make before they mark or rename anything. Each file holds a generated
/// copy of <see cref="SqlBlock"/> between <c>govclone:template-read begin</c> and <c>govclone:template-read end</c>, the last
/// lines of its DO block's DECLARE section and the first of its body, so each reads <c>template_oid</c>,
/// <c>template_comment</c>, <c>template_at</c> and <c>current</c> the same way, in one statement, and psql runs the file as
/// it is. <c>TemplateReadTests</c> fail when a copy drifts, when one of the three files lacks its copy, and when the
/// read-before settings are read outside a copy (<c>GOVCLONE_WRITE_RULES=1</c> rewrites the copies, as for
/// <see cref="Guards.FamilyRules"/>).
/// </summary>
public static class TemplateRead
{
    /// <summary>The first line of a copy (after <c>  -- </c>).</summary>
    public const string BlockBegin = "govclone:template-read begin (generated from src/GovClone/Branches/TemplateRead.cs; TemplateReadTests hold every copy to it and rewrite them when asked)";

    /// <summary>The last line of a copy (after <c>  -- </c>).</summary>
    public const string BlockEnd = "govclone:template-read end";

    /// <summary>The sql/branch files that carry a copy, each exactly one.</summary>
    public static IReadOnlyList<string> Files { get; } = [BranchSql.Mark, BranchSql.SpareMark, BranchSql.SpareTake];

    /// <summary>
    /// The check as PL/pgSQL: the DECLARE section's last lines (the four variables), <c>BEGIN</c>, and the body's first
    /// statements (the read). It reads the settings <c>govclone.template</c>, <c>.template_oid</c> and
    /// <c>.template_comment</c> (the template as read before the copy: <c>template_state.sql</c> or <c>bspare_state.sql</c>)
    /// and <c>.template_marker</c> (the template's marker identity); raises nothing: each file says what not current means
    /// for it.
    /// </summary>
    public static string SqlBlock { get; } = ($"""
          -- {BlockBegin}
          -- The retained template govclone.template as it is now, in one statement: template_oid and template_comment (NULL
          -- when it is gone), template_at (its marker's at=, '-' without one), and current: it is still the one read before
          -- the copy (its oid govclone.template_oid, its comment govclone.template_comment) and current (a valid,
          -- connection-free template marked govclone.template_marker). PostgreSQL holds a lock on the template for a whole
          -- CREATE DATABASE … TEMPLATE, which its release (COMMENT, then DROP) waits for, so a template that is the same
          -- after a copy as before it was the one copied, whole. The DECLARE section ends here; the body starts with the read.
          template_oid bigint;
          template_comment text;
          template_at text;
          current boolean;
        BEGIN
          SELECT d.oid::bigint, coalesce(shobj_description(d.oid, 'pg_database'), ''),
                 d.oid::bigint = current_setting('govclone.template_oid')::bigint
                   AND coalesce(shobj_description(d.oid, 'pg_database'), '') = current_setting('govclone.template_comment')
                   AND d.datistemplate AND NOT d.datallowconn AND d.datconnlimit <> -2
                   AND left(coalesce(shobj_description(d.oid, 'pg_database'), ''), length(current_setting('govclone.template_marker')) + 1)
                       = current_setting('govclone.template_marker') || ' '
            INTO template_oid, template_comment, current
            FROM pg_database d WHERE d.datname = current_setting('govclone.template');
          template_at := coalesce(substring(template_comment FROM ' at=([^ ]+)$'), '-');
          current := coalesce(current, false);
          -- {BlockEnd}
        """ + "\n").ReplaceLineEndings("\n");
}
