using System.Globalization;
using System.Text;

namespace GovClone.Guards;

/// <summary>
/// The one definition of the clone family's rules: the name prefix and limits, the family's suffixes, the roles, the
/// marker formats. Everything else carries them from here: C# reads these members; the SQL guard blocks and
/// <c>engine/lib.sh</c> hold a generated copy (<see cref="SqlBlock"/>, <see cref="ShellBlock"/>, between
/// <c>govclone:rules begin</c> and <c>govclone:rules end</c>), and <c>FamilyRulesTests</c> fails when a copy drifts or when
/// a rule's literal appears in sql/ or engine/ outside those blocks (<c>GOVCLONE_WRITE_RULES=1</c> rewrites them).
/// </summary>
public static class FamilyRules
{
    /// <summary>Every database govclone creates, marks, renames or drops is named with this prefix (production never is).</summary>
    public const string Prefix = "directus_gov_test_";

    /// <summary>PostgreSQL's identifier limit: a longer name is silently truncated, so it could name another database.</summary>
    public const int MaxIdentifierBytes = 63;

    /// <summary>The suffix of the database a build writes before the swap (role <c>next</c>).</summary>
    public const string NextSuffix = "_next";

    /// <summary>The suffix a swap retires the previous clone to (role <c>old</c>).</summary>
    public const string OldSuffix = "_old";

    /// <summary>The suffix of the ready spare (role <c>spare</c>).</summary>
    public const string SpareSuffix = "_spare";

    /// <summary>
    /// The suffix of the ready branch spare (role <c>bspare</c>: like every companion, its suffix is <c>_</c> and its role): a copy of the retained template made ahead of time,
    /// which <c>branch create</c> renames to the branch instead of copying the template.
    /// </summary>
    public const string BranchSpareSuffix = "_bspare";

    /// <summary>The suffix of the retained template's default name (role <c>template</c>; govclone:templateDatabase may name another).</summary>
    public const string TemplateSuffix = "_template";

    /// <summary>The companions a clone is built, retired and kept ready in: <c>&lt;clone&gt;_next</c>, <c>_old</c>, <c>_spare</c>, <c>_bspare</c>.</summary>
    public static IReadOnlyList<string> CompanionSuffixes { get; } = [NextSuffix, OldSuffix, SpareSuffix, BranchSpareSuffix];

    /// <summary>
    /// The suffixes no clone name and no branch NAME may end in, and the roles they name, in this order (the template's
    /// default name, then the companions): a clone named <c>x_spare</c> would be clone <c>x</c>'s spare.
    /// </summary>
    public static IReadOnlyList<(string Suffix, string Role)> Reserved { get; } =
        [(TemplateSuffix, Roles.Template), (NextSuffix, Roles.Next), (OldSuffix, Roles.Old), (SpareSuffix, Roles.Spare), (BranchSpareSuffix, Roles.BranchSpare)];

    /// <summary>The most bytes of a clone's name: room for its longest companion suffix within 63 bytes.</summary>
    public static int CloneMaxBytes => MaxIdentifierBytes - CompanionSuffixes.Max(s => s.Length);

    /// <summary>The most characters of a branch's NAME (its database is <c>&lt;clone&gt;_&lt;NAME&gt;</c>).</summary>
    public const int BranchNameMaxLength = 20;

    /// <summary>
    /// The creation fingerprint: every database govclone creates is created with <c>CONNECTION LIMIT</c>
    /// <c>FingerprintBase + hashtext(family || ':' || name) mod FingerprintSpan</c> (computed by prefix_guard.sql, on the
    /// server that checks it), a limit no one sets by hand and no session reaches. It is written by the CREATE itself,
    /// so a database whose CREATE committed but whose marker never came (its client killed in between) is still known as
    /// this family's leftover; the marker that follows in the same session, and the limit put back to -1 with the
    /// final marker, make it plain again.
    /// </summary>
    public const int FingerprintBase = 1_000_000;

    /// <summary>The span of the creation fingerprints (see <see cref="FingerprintBase"/>).</summary>
    public const int FingerprintSpan = 8_999_999;

    /// <summary>The roles a database of a family has. A branch's role is <c>branch</c> (its NAME is its name after <c>&lt;clone&gt;_</c>).</summary>
    public static class Roles
    {
        public const string Clone = "clone";
        public const string Template = "template";
        public const string Next = "next";
        public const string Old = "old";
        public const string Spare = "spare";
        public const string BranchSpare = "bspare";
        public const string Branch = "branch";

        /// <summary>The family's own databases, in the order the guards and <c>drop</c> take them (the clone first).</summary>
        public static IReadOnlyList<string> Family { get; } = [Clone, Template, Next, Old, Spare, BranchSpare];
    }

    /// <summary>The start of every marker (a database comment): <c>govclone:&lt;kind&gt; family=&lt;clone&gt; …</c>.</summary>
    public const string MarkerPrefix = "govclone:";

    /// <summary>
    /// The marker formats, one per kind: the words and fields every marker carries, in order, before its <c>at=&lt;time&gt;</c>.
    /// <c>{name}</c> is a field's value; a marker's identity (what <c>current</c> compares) is a prefix of it.
    /// </summary>
    public static IReadOnlyList<MarkerFormat> Markers { get; } =
    [
        new(MarkerKinds.Complete, Roles.Clone, ["family", "source", "generation", "masking", "method", "fidelity"]),
        new(MarkerKinds.Template, Roles.Template, ["family", "source", "generation", "masking", "method", "fidelity"]),
        new(MarkerKinds.Spare, Roles.Spare, ["family", "source", "generation", "masking", "template", "method", "fidelity"]),
        new(MarkerKinds.Building, null, ["family", "role"]),
        new(MarkerKinds.Old, Roles.Old, ["family"]),
        new(MarkerKinds.Dropping, null, ["family", "role"]),
        new(MarkerKinds.Branch, Roles.Branch, ["family", "source", "generation", "template", "owner", "created", "used"]),
        new(MarkerKinds.BranchIncomplete, Roles.Branch, ["family", "owner", "created"]),
        new(MarkerKinds.BranchSpare, Roles.BranchSpare, ["family", "source", "generation", "template", "oid"]),
    ];

    /// <summary>The format of <paramref name="kind"/>.</summary>
    public static MarkerFormat Marker(string kind) =>
        Markers.FirstOrDefault(m => m.Kind == kind) ?? throw new ArgumentOutOfRangeException(nameof(kind), kind, "no such marker kind");

    /// <summary>The name a role of <paramref name="clone"/>'s family has (the template's default for <see cref="Roles.Template"/>).</summary>
    public static string NameOf(string clone, string role) => role switch
    {
        Roles.Clone => clone,
        Roles.Template => clone + TemplateSuffix,
        Roles.Next => clone + NextSuffix,
        Roles.Old => clone + OldSuffix,
        Roles.Spare => clone + SpareSuffix,
        Roles.BranchSpare => clone + BranchSpareSuffix,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "not a role with a fixed name"),
    };

    /// <summary>The reserved suffix <paramref name="name"/> ends in (as <c>_x</c>, or is, for a branch NAME), or null.</summary>
    public static (string Suffix, string Role)? ReservedEnding(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var r in Reserved)
        {
            if (name.EndsWith(r.Suffix, StringComparison.Ordinal) || name == r.Suffix[1..])
            {
                return r;
            }
        }

        return null;
    }

    private const string Begin = "govclone:rules begin (generated from src/GovClone/Guards/FamilyRules.cs; FamilyRulesTests hold every copy to it and rewrite them when asked)";
    private const string End = "govclone:rules end";

    /// <summary>The first line of a generated block (after the comment mark).</summary>
    public static string BlockBegin => Begin;

    /// <summary>The last line of a generated block (after the comment mark).</summary>
    public static string BlockEnd => End;

    /// <summary>
    /// The rules as PL/pgSQL constants, for the DECLARE section of a guard's DO block (two spaces in, as the files
    /// indent). Marker formats are <c>format()</c> templates: <c>format(rule_marker_building, family, role)</c>.
    /// </summary>
    public static string SqlBlock()
    {
        var sb = new StringBuilder();
        sb.Append("  -- ").Append(Begin).Append('\n');
        sb.Append("  rule_prefix constant text := ").Append(Lit(Prefix)).Append(";\n");
        sb.Append("  rule_max_bytes constant int := ").Append(Num(MaxIdentifierBytes)).Append(";\n");
        sb.Append("  rule_clone_max_bytes constant int := ").Append(Num(CloneMaxBytes)).Append(";\n");
        sb.Append("  rule_branch_max constant int := ").Append(Num(BranchNameMaxLength)).Append(";\n");
        sb.Append("  rule_fingerprint_base constant bigint := ").Append(Num(FingerprintBase)).Append(";\n");
        sb.Append("  rule_fingerprint_span constant bigint := ").Append(Num(FingerprintSpan)).Append(";\n");
        sb.Append("  rule_suffixes constant text[] := ARRAY[").Append(string.Join(", ", Reserved.Select(r => Lit(r.Suffix)))).Append("];\n");
        sb.Append("  rule_roles constant text[] := ARRAY[").Append(string.Join(", ", Reserved.Select(r => Lit(r.Role)))).Append("];\n");
        foreach (var m in Markers)
        {
            sb.Append("  rule_marker_").Append(m.Kind.Replace('-', '_')).Append(" constant text := ").Append(Lit(m.Template("%s"))).Append(";\n");
        }

        sb.Append("  -- ").Append(End).Append('\n');
        return sb.ToString();
    }

    /// <summary>The rules as bash: readonly constants and <c>govclone_marker KIND VALUE…</c> (the first fields of the kind's format, in order).</summary>
    public static string ShellBlock()
    {
        var sb = new StringBuilder();
        sb.Append("# ").Append(Begin).Append('\n');
        sb.Append("readonly govclone_prefix=").Append(Prefix).Append('\n');
        sb.Append("readonly govclone_max_bytes=").Append(Num(MaxIdentifierBytes)).Append('\n');
        sb.Append("readonly govclone_clone_max_bytes=").Append(Num(CloneMaxBytes)).Append('\n');
        sb.Append("readonly govclone_next_suffix=").Append(NextSuffix).Append('\n');
        sb.Append("readonly govclone_old_suffix=").Append(OldSuffix).Append('\n');
        sb.Append("readonly govclone_spare_suffix=").Append(SpareSuffix).Append('\n');
        sb.Append("readonly govclone_template_suffix=").Append(TemplateSuffix).Append('\n');
        sb.Append("readonly govclone_reserved_suffixes='").Append(string.Join(' ', Reserved.Select(r => r.Suffix))).Append("'\n");
        sb.Append("# govclone_marker KIND VALUE...: the marker of KIND with the first fields of its format, in order (a prefix of it,\n");
        sb.Append("# or the whole marker before its at=).\n");
        sb.Append("govclone_marker() {\n  local kind=\"$1\" fields field text\n  shift\n  case \"$kind\" in\n");
        foreach (var m in Markers)
        {
            sb.Append("    ").Append(m.Kind).Append(") fields='").Append(string.Join(' ', m.Fields)).Append("' ;;\n");
        }

        sb.Append("    *) return 1 ;;\n  esac\n");
        sb.Append("  text=\"").Append(MarkerPrefix).Append("$kind\"\n");
        sb.Append("  for field in $fields; do\n    if [ \"$#\" -eq 0 ]; then break; fi\n    text=\"$text $field=$1\"\n    shift\n  done\n");
        sb.Append("  printf '%s' \"$text\"\n}\n");
        sb.Append("# ").Append(End).Append('\n');
        return sb.ToString();
    }

    private static string Lit(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The kinds of marker (the word after <c>govclone:</c>).</summary>
public static class MarkerKinds
{
    /// <summary>The clone, complete: a whole copy of the source, swapped in by name.</summary>
    public const string Complete = "complete";

    /// <summary>The retained template, current for its identity.</summary>
    public const string Template = "template";

    /// <summary>The ready spare: a copy of the template of the marked time.</summary>
    public const string Spare = "spare";

    /// <summary>Written right after CREATE DATABASE of a next, template or spare (or on an empty database adopted as the clone): being made; an interrupted run's leftover.</summary>
    public const string Building = "building";

    /// <summary>A clone a swap retired (<c>&lt;clone&gt;_old</c>), waiting to be dropped.</summary>
    public const string Old = "old";

    /// <summary>Released for a drop (a drop cut short leaves it): this family's, to be dropped.</summary>
    public const string Dropping = "dropping";

    /// <summary>A complete branch.</summary>
    public const string Branch = "branch";

    /// <summary>A branch being made (or whose create was cut short).</summary>
    public const string BranchIncomplete = "branch-incomplete";

    /// <summary>The ready branch spare: a copy of the retained template of the marked time and oid, taken by the next <c>branch create</c>.</summary>
    public const string BranchSpare = "branch-spare";
}

/// <summary>One marker format: <c>govclone:&lt;Kind&gt; field=value …</c>; <see cref="Role"/> is the role it marks (null: named by its <c>role=</c> field).</summary>
public sealed record MarkerFormat(string Kind, string? Role, IReadOnlyList<string> Fields)
{
    /// <summary>The marker with every field's value replaced by <paramref name="placeholder"/> (<c>%s</c> for format/printf).</summary>
    public string Template(string placeholder) =>
        FamilyRules.MarkerPrefix + Kind + string.Concat(Fields.Select(f => " " + f + "=" + placeholder));

    /// <summary>
    /// The marker's text with the first <paramref name="values"/>.Length fields (a prefix: what a check compares, or the
    /// whole marker before its <c>at=</c>). No value may hold a space, which parts a marker's fields.
    /// </summary>
    public string Text(params string[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length > Fields.Count)
        {
            throw new ArgumentException($"the {Kind} marker has {Fields.Count} fields", nameof(values));
        }

        var sb = new StringBuilder(FamilyRules.MarkerPrefix).Append(Kind);
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i].Length == 0 || values[i].Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                throw new ArgumentException($"the {Kind} marker's {Fields[i]} '{values[i]}' is empty or holds white space", nameof(values));
            }

            sb.Append(' ').Append(Fields[i]).Append('=').Append(values[i]);
        }

        return sb.ToString();
    }
}
