using System.Globalization;
using System.Text;
using GovClone.Configuration;
using GovClone.Guards;
using GovClone.Processes;
using GovClone.Transport;

namespace GovClone.Engine;

/// <summary>
/// The clone engine as govclone sends it to the server: a generated header of quoted <c>readonly GOVCLONE_*</c>
/// parameters, then the engine's SQL (<c>sql/engine/*.sql</c>) and bash (<c>engine/*.sh</c>, main.sh last),
/// verbatim. Nothing is interpolated into the files: they read the parameters, and the SQL reads them as
/// <c>govclone.*</c> settings. The same files run by hand: <c>GOVCLONE_* bash engine/main.sh clone</c>.
/// </summary>
public static class EngineScript
{
    /// <summary>Start of the database comment that marks a finished clone. A database without it is incomplete.</summary>
    public const string CompleteMarker = FamilyRules.MarkerPrefix + MarkerKinds.Complete;

    /// <summary>Start of the database comment that marks a finished, current template.</summary>
    public const string TemplateMarker = FamilyRules.MarkerPrefix + MarkerKinds.Template;

    /// <summary>Start of the database comment that marks a ready spare (<c>&lt;clone&gt;_spare</c>).</summary>
    public const string SpareMarker = FamilyRules.MarkerPrefix + MarkerKinds.Spare;

    /// <summary>application_name of the spare's engine sessions (<c>govclone spare</c>).</summary>
    public const string SpareApplicationName = "govclone-spare";

    /// <summary>
    /// application_name of the clone engine's sessions. A run that takes the lock ends any session of this
    /// name left on the clone: with the lock held, it can only belong to a run whose tool was killed.
    /// </summary>
    public const string CloneApplicationName = "govclone-clone";

    /// <summary>Exit status of an engine that refused before changing anything (it also emits a <c>refused</c> event).</summary>
    public const int RefusedExitCode = 2;

    /// <summary>
    /// The identity a finished clone this config wants carries (a prefix of its marker, before <c>method=</c> unless
    /// govclone:cloneMethod names a way the data is read from the source): family, source, generation (and method).
    /// engine/lib.sh builds the same text from the same definition (<see cref="FamilyRules.Markers"/>).
    /// </summary>
    public static string MarkerFor(GovCloneSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var generation = s.CloneGeneration.ToString(CultureInfo.InvariantCulture);
        return ExplicitMethod(s) is { } method
            ? FamilyRules.Marker(MarkerKinds.Complete).Text(s.CloneDatabase, s.SourceDatabase, generation, s.Masking.Identity, method)
            : FamilyRules.Marker(MarkerKinds.Complete).Text(s.CloneDatabase, s.SourceDatabase, generation, s.Masking.Identity);
    }

    /// <summary>The whole complete marker (before its <c>at=</c>) of a clone whose data was read <paramref name="method"/>, at <paramref name="fidelity"/>.</summary>
    public static string CompleteMarkerFor(GovCloneSettings s, string method, string fidelity)
    {
        ArgumentNullException.ThrowIfNull(s);
        return FamilyRules.Marker(MarkerKinds.Complete).Text(s.CloneDatabase, s.SourceDatabase, s.CloneGeneration.ToString(CultureInfo.InvariantCulture), s.Masking.Identity, method, fidelity);
    }

    /// <summary>
    /// The way govclone:cloneMethod says the data is read from the source (streams, dump, source-template), which a
    /// current clone's marker must name too; null for auto and template, which take a clone however it was read.
    /// </summary>
    public static string? ExplicitMethod(GovCloneSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return s.CloneMethod is CloneMethod.Streams or CloneMethod.Dump or CloneMethod.SourceTemplate ? MethodWord(s.CloneMethod) : null;
    }

    /// <summary>The identity of a template made from this generation's fresh clone (a prefix of its marker). engine/lib.sh builds the same text.</summary>
    public static string TemplateMarkerFor(GovCloneSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return FamilyRules.Marker(MarkerKinds.Template).Text(s.CloneDatabase, s.SourceDatabase, s.CloneGeneration.ToString(CultureInfo.InvariantCulture), s.Masking.Identity);
    }

    /// <summary>
    /// The identity of a ready spare of this generation (before <c>template=&lt;the template's at&gt; …</c>). engine/lib.sh
    /// builds the same text; sql/engine/spare_state.sql and spare_mark.sql add the template's time.
    /// </summary>
    public static string SpareMarkerFor(GovCloneSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return FamilyRules.Marker(MarkerKinds.Spare).Text(s.CloneDatabase, s.SourceDatabase, s.CloneGeneration.ToString(CultureInfo.InvariantCulture), s.Masking.Identity);
    }

    /// <summary>The marker a database of this family carries from its CREATE on, while it is built: <c>govclone:building family=… role=…</c>.</summary>
    public static string BuildingMarkerFor(GovCloneSettings s, string role)
    {
        ArgumentNullException.ThrowIfNull(s);
        return FamilyRules.Marker(MarkerKinds.Building).Text(s.CloneDatabase, role);
    }

    /// <summary>
    /// The engine's spare command (engine/spare.sh): drop a clone a swap retired (<c>&lt;clone&gt;_old</c>), then make a
    /// ready spare, a FILE_COPY of the current retained template marked last, when govclone:keepSpare allows (or
    /// drop a stale one). <paramref name="holder"/>: the spare lock (<c>govclone spare</c>) or a run lock holding it.
    /// </summary>
    public static string Spare(GovCloneSettings s, ServerTransport t, LockHolder? holder = null) => Bundle(s, t, "spare", false, holder);

    /// <summary>
    /// The clone engine for these settings: close an existing clone to PUBLIC; copy nothing when it carries this
    /// generation's marker (unless <paramref name="force"/>); else build a fresh copy the configured way in
    /// <c>&lt;clone&gt;_next</c> and swap it in by name, marked complete, in one transaction (the old clone becomes
    /// <c>&lt;clone&gt;_old</c>, which the spare command drops), then keep a template of a fresh copy of the source when
    /// govclone:retainTemplate allows. See engine/main.sh.
    /// </summary>
    /// <param name="s">The stack's settings.</param>
    /// <param name="t">The transport the engine's tools are reached through.</param>
    /// <param name="force">Re-clone even when the clone is complete.</param>
    /// <param name="holder">
    /// The run lock this clone runs under (govclone passes its own). The engine proves, before each write of the
    /// clone or the template, that this lock is still held by that session (sql/engine/holder_check.sql): a run
    /// whose tool was killed (the engine goes on as an orphan) stops there.
    /// </param>
    public static string Clone(GovCloneSettings s, ServerTransport t, bool force = false, LockHolder? holder = null) => Bundle(s, t, "clone", force, holder);

    private static string Bundle(GovCloneSettings s, ServerTransport t, string command, bool force, LockHolder? holder)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(t);
        DatabaseNameGuard.RequireClone(s.CloneDatabase, s.SourceDatabase);
        DatabaseNameGuard.RequireClone(s.TemplateDatabase, s.SourceDatabase, SettingKeys.TemplateDatabase.ConfigKey);
        foreach (var companion in CloneFamily.Companions(s.CloneDatabase))
        {
            DatabaseNameGuard.RequireClone(companion, s.SourceDatabase);
        }

        var sb = new StringBuilder(Header(s, t, force, holder, command));
        AppendSqlFunction(sb);
        foreach (var (name, text) in EngineFiles.Shell)
        {
            sb.Append("# ---- engine/").Append(name).Append('\n').Append(text);
            if (!text.EndsWith('\n'))
            {
                sb.Append('\n');
            }
        }

        return sb.ToString();
    }

    /// <summary>The generated header: every parameter the engine reads, as a quoted readonly variable, and nothing else.</summary>
    public static string Header(GovCloneSettings s, ServerTransport t, bool force = false, LockHolder? holder = null, string command = "clone")
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(t);
        var local = t.Kind == TransportKind.Local;
        var parameters = new (string Name, string Value)[]
        {
            ("GOVCLONE_BUNDLED", "1"),
            ("GOVCLONE_COMMAND", command),
            ("GOVCLONE_SOURCE_DATABASE", s.SourceDatabase),
            ("GOVCLONE_CLONE_DATABASE", s.CloneDatabase),
            ("GOVCLONE_TARGET_DATABASE", NextDatabase(s)),
            ("GOVCLONE_TEMPLATE_DATABASE", s.TemplateDatabase),
            ("GOVCLONE_MAINTENANCE_DATABASE", s.MaintenanceDatabase),
            ("GOVCLONE_CLONE_METHOD", MethodWord(s.CloneMethod)),
            ("GOVCLONE_RETAIN_TEMPLATE", s.RetainTemplate switch { RetainTemplate.Yes => "true", RetainTemplate.No => "false", _ => "auto" }),
            ("GOVCLONE_KEEP_SPARE", s.KeepSpare switch { KeepSpare.Yes => "true", KeepSpare.No => "false", _ => "auto" }),
            ("GOVCLONE_CLONE_GENERATION", s.CloneGeneration.ToString(CultureInfo.InvariantCulture)),
            ("GOVCLONE_FORCE", force ? "true" : "false"),
            ("GOVCLONE_CLONE_JOBS", s.CloneJobs.ToString(CultureInfo.InvariantCulture)),
            ("GOVCLONE_TOAST_COMPRESSION", s.ToastCompression),
            ("GOVCLONE_MAINTENANCE_WORK_MEM", s.MaintenanceWorkMem),
            ("GOVCLONE_STREAM_TABLE_MIN_BYTES", s.StreamTableMinBytes.ToString(CultureInfo.InvariantCulture)),
            ("GOVCLONE_HOST_FREE_BYTES", s.HostFreeBytes?.ToString(CultureInfo.InvariantCulture) ?? string.Empty),
            ("GOVCLONE_FREE_SPACE_MULTIPLE", FreeSpaceMultiple.ToString(CultureInfo.InvariantCulture)),
            ("GOVCLONE_SOURCE_LOCK_TIMEOUT_SECONDS", s.SourceLockTimeoutSeconds.ToString(CultureInfo.InvariantCulture)),
            ("GOVCLONE_LOCK_PID", holder?.BackendPid.ToString(CultureInfo.InvariantCulture) ?? string.Empty),
            ("GOVCLONE_LOCK_KEY", holder?.Key.ToString(CultureInfo.InvariantCulture) ?? string.Empty),
            // Inside a container the tools use its local socket, as in the runbook.
            ("GOVCLONE_PG_BIN_DIR", local ? s.PgBinDir ?? string.Empty : string.Empty),
            ("GOVCLONE_HOST", local ? s.Host : string.Empty),
            ("GOVCLONE_PORT", local ? s.Port.ToString(CultureInfo.InvariantCulture) : string.Empty),
            ("GOVCLONE_USER", s.User),
            // Masking (docs/masking.md): the rules in force and their identity; no key (the engine derives it at the server).
            ("GOVCLONE_MASKING", s.Masking.EngineText),
            ("GOVCLONE_MASKING_ID", s.Masking.Identity),
        };
        var sb = new StringBuilder();
        sb.Append("# govclone clone engine: this generated header of parameters, then sql/engine/*.sql and engine/*.sh verbatim.\n");
        sb.Append("# Runs with bash at the database server. Passwords come from PGPASSWORD/PGPASSFILE, never from this text.\n");
        foreach (var (name, value) in parameters)
        {
            sb.Append("readonly ").Append(name).Append('=').Append(ShellQuote.Word(value)).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>The database a build writes before the swap: <c>&lt;clone&gt;_next</c>.</summary>
    public static string NextDatabase(GovCloneSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return FamilyRules.NameOf(s.CloneDatabase, FamilyRules.Roles.Next);
    }

    /// <summary>The clone a swap retired: <c>&lt;clone&gt;_old</c>.</summary>
    public static string OldDatabase(GovCloneSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return FamilyRules.NameOf(s.CloneDatabase, FamilyRules.Roles.Old);
    }

    /// <summary>The ready spare: <c>&lt;clone&gt;_spare</c>.</summary>
    public static string SpareDatabase(GovCloneSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return FamilyRules.NameOf(s.CloneDatabase, FamilyRules.Roles.Spare);
    }

    /// <summary>The names of the parameters the header sets (every GOVCLONE_* the engine reads).</summary>
    public static IReadOnlyList<string> ParameterNames(GovCloneSettings s, ServerTransport t) =>
        Header(s, t).Split('\n').Where(l => l.StartsWith("readonly ", StringComparison.Ordinal))
            .Select(l => l["readonly ".Length..l.IndexOf('=', StringComparison.Ordinal)]).ToArray();

    /// <summary>govclone:cloneMethod as the setting spells it.</summary>
    public static string MethodWord(CloneMethod method) => method switch
    {
        CloneMethod.Auto => "auto",
        CloneMethod.Streams => "streams",
        CloneMethod.Dump => "dump",
        CloneMethod.Template => "template",
        CloneMethod.SourceTemplate => "source-template",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "unknown clone method"),
    };

    /// <summary>auto keeps a template while the clone is under this share of free space: the decision's "negligible" disk share.</summary>
    private static int FreeSpaceMultiple => (int)Math.Round(1 / SettingKeys.AutoKeepShareOfFree);

    /// <summary>
    /// govclone_sql NAME: the engine's SQL files, each printed by the printf builtin from a single-quoted word (nothing in
    /// it is expanded; a quote is written '\''). Not a here-document into cat: a clone prints about 60 of them, and each
    /// cat was a process (fork, exec) of its own.
    /// </summary>
    private static void AppendSqlFunction(StringBuilder sb)
    {
        // (SC2016: the $ and backquotes in the SQL are the SQL's own, not expansions.)
        sb.Append("# ---- sql/engine/*.sql, as govclone_sql NAME prints them\n# shellcheck disable=SC2016\ngovclone_sql() {\n  case \"$1\" in\n");
        foreach (var (name, text) in EngineFiles.Sql)
        {
            sb.Append("    ").Append(name).Append(")\n      printf '%s' '").Append(text.Replace("'", "'\\''", StringComparison.Ordinal));
            if (!text.EndsWith('\n'))
            {
                sb.Append('\n');
            }

            sb.Append("'\n      ;;\n");
        }

        sb.Append("    *) echo \"govclone: no engine SQL file $1\" >&2; return 1 ;;\n  esac\n}\n");
    }
}
