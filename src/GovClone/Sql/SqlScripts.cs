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

    public static string Get(string fileName)
    {
        var name = "GovClone.Sql." + fileName;
        using var stream = typeof(SqlScripts).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"SQL script {fileName} is not embedded in {typeof(SqlScripts).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static IReadOnlyList<string> All =>
        typeof(SqlScripts).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("GovClone.Sql.", StringComparison.Ordinal))
            .Select(n => n["GovClone.Sql.".Length..])
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>A single-statement file without its comments-only lines and trailing semicolon, to embed as a sub-query.</summary>
    public static string AsSubquery(string fileName)
    {
        var lines = Get(fileName).Split('\n')
            .Where(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal))
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
