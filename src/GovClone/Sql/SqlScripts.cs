using System.Reflection;

namespace GovClone.Sql;

/// <summary>The repo's <c>sql/*.sql</c> files, embedded at build time: the texts psql users run are the texts the core sends.</summary>
public static class SqlScripts
{
    public const string GenerateSource = "generate_source.sql";
    public const string PadSource = "pad_source.sql";
    public const string Metrics = "metrics.sql";
    public const string SeedCommitted = "seed_committed_state.sql";
    public const string ResetInPlace = "reset_in_place.sql";
    public const string Compact = "compact.sql";
    public const string Fingerprint = "fingerprint.sql";
    public const string WorkerLeases = "worker_leases.sql";
    public const string ProductionParts = "production_parts.sql";
    public const string ForeignRows = "foreign_rows.sql";
    public const string PurgeForeignRows = "purge_foreign_rows.sql";
    public const string RegressionSuite = "A_coverage_regression_suite_clone.sql";

    /// <summary>The line every sql/ file opens with for psql (<c>\set ON_ERROR_STOP on</c>): psql's own, so Npgsql is sent the file without it.</summary>
    public const string StopOnErrorLine = "\\set ON_ERROR_STOP on";

    /// <summary>sql/<paramref name="fileName"/> as govclone sends it through Npgsql: the file without its <see cref="StopOnErrorLine"/>.</summary>
    public static string Get(string fileName) => ForNpgsql(File(fileName));

    /// <summary>sql/<paramref name="fileName"/> exactly as it is in the repo (what psql runs).</summary>
    public static string File(string fileName)
    {
        var name = "GovClone.Sql." + fileName;
        using var stream = typeof(SqlScripts).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"SQL script {fileName} is not embedded in {typeof(SqlScripts).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>A sql file's text without psql's <see cref="StopOnErrorLine"/> (every other line as it is: any other psql meta-command fails loudly in Npgsql).</summary>
    public static string ForNpgsql(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return string.Join('\n', text.Split('\n').Where(l => l.TrimEnd() != StopOnErrorLine));
    }

    public static IReadOnlyList<string> All =>
        typeof(SqlScripts).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("GovClone.Sql.", StringComparison.Ordinal))
            .Select(n => n["GovClone.Sql.".Length..])
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>
    /// compact.sql for Npgsql: its guard block, and the query its psql <c>\if :govclone_guarded</c> runs with <c>\gexec</c>
    /// (without it), whose one value is the VACUUM statement to send next: three commands, since VACUUM cannot run inside a
    /// transaction block, which a multi-statement command is.
    /// </summary>
    public static (string Guard, string VacuumStatementQuery) CompactParts()
    {
        var text = Get(Compact);
        const string end = "$guard$;";
        var start = text.IndexOf("DO $guard$", StringComparison.Ordinal);
        var stop = text.IndexOf(end, start + 10, StringComparison.Ordinal) + end.Length;
        var lines = text.Split('\n');
        var from = Array.FindIndex(lines, l => l.TrimEnd() == "\\if :govclone_guarded");
        var to = Array.FindIndex(lines, from + 1, l => l.TrimEnd() == "\\endif");
        if (start < 0 || stop < end.Length || from < 0 || to < 0)
        {
            throw new InvalidOperationException("sql/compact.sql has no guard block or no \\if :govclone_guarded … \\endif");
        }

        var query = string.Join('\n', lines[(from + 1)..to].Where(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal))).Trim();
        if (!query.EndsWith("\\gexec", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("sql/compact.sql's \\if :govclone_guarded block is not one query ending in \\gexec");
        }

        return (text[start..stop], query[..^"\\gexec".Length].TrimEnd());
    }

    /// <summary>A single-statement file without its comments-only lines and trailing semicolon, to embed as a sub-query.</summary>
    public static string AsSubquery(string fileName)
    {
        var lines = Get(fileName).Split('\n')
            .Where(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal) && !l.TrimStart().StartsWith('\\'))
            .ToList();
        var text = string.Join('\n', lines).Trim();
        while (text.EndsWith(';'))
        {
            text = text[..^1].TrimEnd();
        }

        return text;
    }

    /// <summary>
    /// The SQL that pins the guard's expectation: the guard block at the top of every mutating file
    /// refuses to run unless <c>current_database()</c> equals this name.
    /// </summary>
    public static string ExpectDatabase(string database) =>
        $"SET govclone.expected_database = {Guards.DatabaseNameGuard.QuoteLiteral(database)};";

    internal static Assembly Assembly => typeof(SqlScripts).Assembly;
}
