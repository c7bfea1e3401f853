using System.Globalization;
using GovClone.Processes;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>
/// The free and total bytes of the filesystem holding the server's data directory, by <c>df</c> through the transport:
/// what <c>status</c> shows and what a branch's copy is held to (govclone:branchMinFreeBytes).
/// </summary>
internal sealed class HostDisk(ServerTransport transport)
{
    /// <summary>How long <see cref="MeasureAsync"/> waits for df (a hung network mount, a slow ssh) before it goes without.</summary>
    internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>Free and total bytes of the filesystem holding the data directory, by df through the transport; null when it cannot be measured.</summary>
    public async Task<(long? Free, long? Total)> MeasureAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        string? dataDir;
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT current_setting('data_directory')", maintenance);
            dataDir = (string?)await cmd.ExecuteScalarAsync(ct);
        }
        catch (PostgresException)
        {
            return (null, null); // not superuser / pg_read_all_settings
        }

        if (string.IsNullOrEmpty(dataDir))
        {
            return (null, null);
        }

        return await DiskFreeAsync(transport.BashScript($"df -P -B1 {ShellQuote.Word(dataDir)} | tail -n 1\n"), Timeout, ct);
    }

    /// <summary>
    /// Runs <paramref name="df"/> (<c>df -P -B1 DIR | tail -n 1</c>) and reads its total and free bytes; null when it fails
    /// or takes longer than <paramref name="timeout"/>. The timeout cancels the run, so the process tree is killed, not left
    /// waiting behind an answer nobody reads.
    /// </summary>
    internal static async Task<(long? Free, long? Total)> DiskFreeAsync(ProcessSpec df, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            var result = await ProcessRunner.RunAsync(df, deadline.Token);
            var parts = result.StandardOutput.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (result.Succeeded && parts.Length >= 4
                && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var total)
                && long.TryParse(parts[3], CultureInfo.InvariantCulture, out var free))
            {
                return (free, total);
            }
        }
        catch (GovCloneException)
        {
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Timed out: ProcessRunner killed df and everything it started.
        }

        return (null, null);
    }
}
