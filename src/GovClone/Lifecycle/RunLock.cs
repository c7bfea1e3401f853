using System.Diagnostics;
using GovClone.Configuration;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>
/// Serializes govclone runs against one clone: a session-level advisory lock in the maintenance database,
/// keyed by the clone's name, held for the whole operation. A second run waits up to
/// govclone:lockTimeoutSeconds, then fails with a message naming the holder. The lock dies with its
/// session, so a killed run never leaves it behind.
/// </summary>
public sealed class RunLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;

    private RunLock(NpgsqlConnection connection, long key)
    {
        _connection = connection;
        Holder = new LockHolder(connection.ProcessID, key);
    }

    /// <summary>The session holding the lock: server scripts check it is still alive before each irreversible step.</summary>
    public LockHolder Holder { get; }

    /// <summary>
    /// The session that holds the lock, in the maintenance database. A locked operation reads and writes the
    /// maintenance database on it rather than opening another session: each new one costs the server a fork
    /// and an authentication, which a sub-second lever feels.
    /// </summary>
    internal NpgsqlConnection Maintenance => _connection;

    public static async Task<RunLock> AcquireAsync(Connections connections, GovCloneSettings settings, string operation, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connections);
        ArgumentNullException.ThrowIfNull(settings);
        var conn = await connections.OpenMaintenanceAsync(ct);
        try
        {
            await using (var app = new NpgsqlCommand($"SET application_name = 'govclone-lock:{operation}'", conn))
            {
                await app.ExecuteNonQueryAsync(ct);
            }

            var key = Key(settings.CloneDatabase);
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                await using (var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", conn))
                {
                    cmd.Parameters.AddWithValue(key);
                    if ((bool)(await cmd.ExecuteScalarAsync(ct))!)
                    {
                        await TerminateOrphansAsync(conn, settings.CloneDatabase, ct);
                        return new RunLock(conn, key);
                    }
                }

                if (deadline.Elapsed.TotalSeconds >= settings.LockTimeoutSeconds)
                {
                    var holder = await DescribeHolderAsync(conn, key, ct);
                    throw new OperationFailedException(
                        $"another govclone run holds the lock for {settings.CloneDatabase} ({holder}); waited {settings.LockTimeoutSeconds}s. " +
                        "Let it finish, or raise govclone:lockTimeoutSeconds to wait longer.");
                }

                await Task.Delay(250, ct);
            }
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }

    /// <summary>A stable 64-bit key from the clone's name (FNV-1a), namespaced so other tools' locks never collide.</summary>
    public static long Key(string clone)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes("govclone:" + clone))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }

        return unchecked((long)hash);
    }

    /// <summary>
    /// With the lock held, any clone-script session still connected to the clone belongs to a run whose tool
    /// died (its server-side script went on as an orphan): end it, so it stops now rather than at its next
    /// holder check. Only the clone's own database and only govclone's clone sessions, never the source.
    /// </summary>
    private static async Task TerminateOrphansAsync(NpgsqlConnection conn, string clone, CancellationToken ct)
    {
        if (!Guards.DatabaseNameGuard.HasClonePrefix(clone))
        {
            return;
        }

        const string sql = """
            SELECT count(pg_terminate_backend(pid))
            FROM pg_stat_activity
            WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name = $2
            """;
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue(clone);
        cmd.Parameters.AddWithValue(Engine.EngineScript.CloneApplicationName);
        await cmd.ExecuteScalarAsync(ct);
    }

    private static async Task<string> DescribeHolderAsync(NpgsqlConnection conn, long key, CancellationToken ct)
    {
        const string sql = """
            SELECT a.pid, a.application_name, a.backend_start
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted
              AND ((l.classid::bigint << 32) | l.objid::bigint) = $1
            LIMIT 1
            """;
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue(key);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? $"server pid {r.GetInt32(0)}, {r.GetString(1)}, since {r.GetDateTime(2):u}"
            : "holder unknown";
    }

    public async ValueTask DisposeAsync()
    {
        // Closing the session releases the lock; an explicit unlock first keeps pooled setups honest.
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", _connection);
            await cmd.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
        }

        await _connection.DisposeAsync();
    }
}
