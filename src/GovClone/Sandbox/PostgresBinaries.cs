using System.Globalization;

namespace GovClone.Sandbox;

/// <summary>Where the PostgreSQL server binaries (initdb, pg_ctl, postgres) are on this machine.</summary>
public static class PostgresBinaries
{
    /// <summary>The newest /usr/lib/postgresql/N/bin (Debian's layout), else a folder on PATH holding initdb.</summary>
    public static string Find()
    {
        var debian = "/usr/lib/postgresql";
        if (Directory.Exists(debian))
        {
            var best = Directory.GetDirectories(debian)
                .Select(d => (Dir: d, Ok: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v), Version: v))
                .Where(x => x.Ok && File.Exists(Path.Combine(x.Dir, "bin", "initdb")))
                .OrderByDescending(x => x.Version)
                .FirstOrDefault();
            if (best.Dir is not null)
            {
                return Path.Combine(best.Dir, "bin");
            }
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
            {
                return dir;
            }
        }

        throw new OperationFailedException("PostgreSQL server binaries (initdb, pg_ctl) were not found. Install them: apt-get install -y postgresql (the README's first command does this).");
    }
}
