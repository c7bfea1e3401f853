using System.Diagnostics;
using GovClone.Configuration;
using Npgsql;

namespace GovClone.Transport;

/// <summary>
/// Serializes govclone runs against one clone: a session-level advisory lock in the maintenance database,
/// keyed by the clone's name, held for the whole operation. A second run waits up to
/// govclone:lockTimeoutSeconds, then fails with a message naming the holder. The lock dies with its
/// session, so a killed run never leaves it behind. A second key, the spare lock, guards the clone's family
/// beyond the clone itself (<c>&lt;clone&gt;_spare</c>, <c>_old</c>, <c>_next</c>, the template): <c>govclone spare</c>,
/// which remakes the ready spare off the critical path, holds only it, so <c>seed</c> or <c>verify</c> run meanwhile;
/// every lever that changes the family (a clone, a re-clone, drop) takes it too (<see cref="HoldSpareAsync"/>).
/// </summary>
public sealed class RunLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly GovCloneSettings _settings;
    private bool _holdsSpare;

    private RunLock(NpgsqlConnection connection, GovCloneSettings settings, long key, bool holdsSpare)
    {
        _connection = connection;
        _settings = settings;
        _holdsSpare = holdsSpare;
        Holder = new LockHolder(connection.ProcessID, key);
    }

    /// <summary>The session holding the lock: server scripts check it is still alive before each irreversible step.</summary>
    public LockHolder Holder { get; }

    /// <summary>The same session, as the holder of the spare lock (once it holds it).</summary>
    public LockHolder SpareHolder => new(_connection.ProcessID, SpareKey(_settings.CloneDatabase));

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
            await SetApplicationNameAsync(conn, $"govclone-lock:{operation}", ct);
            var key = Key(settings.CloneDatabase);
            await WaitForAsync(conn, settings, key, "the lock", ct);
            await TerminateOrphansAsync(conn, settings.CloneDatabase, ct);
            return new RunLock(conn, settings, key, holdsSpare: false);
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The spare lock alone (<c>govclone spare</c>): the ready spare is remade while other levers use the clone. Its
    /// <see cref="Holder"/> is the spare key, which the engine's holder checks then test.
    /// </summary>
    public static async Task<RunLock> AcquireSpareAsync(Connections connections, GovCloneSettings settings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connections);
        ArgumentNullException.ThrowIfNull(settings);
        var conn = await connections.OpenMaintenanceAsync(ct);
        try
        {
            await SetApplicationNameAsync(conn, "govclone-lock:spare", ct);
            var key = SpareKey(settings.CloneDatabase);
            await WaitForAsync(conn, settings, key, "the spare lock", ct);
            await TerminateSpareOrphansAsync(conn, settings.CloneDatabase, ct);
            return new RunLock(conn, settings, key, holdsSpare: true);
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Also takes the spare lock on this session (waiting, like the lock, up to govclone:lockTimeoutSeconds for a
    /// <c>govclone spare</c> that is remaking the spare): after it, nothing else changes the clone's family.
    /// </summary>
    public async Task HoldSpareAsync(CancellationToken ct)
    {
        if (_holdsSpare)
        {
            return;
        }

        await WaitForAsync(_connection, _settings, SpareKey(_settings.CloneDatabase), "the spare lock", ct);
        await TerminateSpareOrphansAsync(_connection, _settings.CloneDatabase, ct);
        _holdsSpare = true;
    }

    private static async Task SetApplicationNameAsync(NpgsqlConnection conn, string name, CancellationToken ct)
    {
        await using var app = new NpgsqlCommand($"SET application_name = '{name}'", conn);
        await app.ExecuteNonQueryAsync(ct);
    }

    private static async Task WaitForAsync(NpgsqlConnection conn, GovCloneSettings settings, long key, string what, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            await using (var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", conn))
            {
                cmd.Parameters.AddWithValue(key);
                if ((bool)(await cmd.ExecuteScalarAsync(ct))!)
                {
                    return;
                }
            }

            if (deadline.Elapsed.TotalSeconds >= settings.LockTimeoutSeconds)
            {
                var holder = await DescribeHolderAsync(conn, key, ct);
                throw new OperationFailedException(
                    $"another govclone run holds {what} for {settings.CloneDatabase} ({holder}); waited {settings.LockTimeoutSeconds}s. " +
                    "Let it finish, or raise govclone:lockTimeoutSeconds to wait longer.");
            }

            await Task.Delay(100, ct);
        }
    }

    /// <summary>The run lock's key (<see cref="Guards.LockKeys.Run"/>).</summary>
    public static long Key(string clone) => Guards.LockKeys.Run(clone);

    /// <summary>The spare lock's key (<see cref="Guards.LockKeys.Spare"/>).</summary>
    public static long SpareKey(string clone) => Guards.LockKeys.Spare(clone);

    /// <summary>
    /// With the lock held, any clone-script session still connected to the clone or to the build it writes
    /// (<c>&lt;clone&gt;_next</c>), or still creating that build, belongs to a run whose tool died (its server-side script
    /// went on as an orphan): end it, so it stops now rather than at its next holder check (and cannot create a build
    /// after this lever dropped the last one). Only the clone's own databases and only govclone's clone sessions, never
    /// the source.
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
            WHERE pid <> pg_backend_pid() AND application_name = $2
              AND (datname IN ($1, $3) OR query ~ ('CREATE DATABASE ' || $3 || '([^a-z0-9_]|$)'))
            """;
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue(clone);
        cmd.Parameters.AddWithValue(Engine.EngineScript.CloneApplicationName);
        cmd.Parameters.AddWithValue(Guards.FamilyRules.NameOf(clone, Guards.FamilyRules.Roles.Next));
        await cmd.ExecuteScalarAsync(ct);
    }

    /// <summary>
    /// With the spare lock held, a spare-command session still copying or dropping this clone's spare belongs to a
    /// <c>govclone spare</c> that was killed: end it (its CREATE DATABASE is rolled back), so the remake that
    /// follows does not meet its half copy.
    /// </summary>
    private static async Task TerminateSpareOrphansAsync(NpgsqlConnection conn, string clone, CancellationToken ct)
    {
        if (!Guards.DatabaseNameGuard.HasClonePrefix(clone))
        {
            return;
        }

        const string sql = """
            SELECT count(pg_terminate_backend(pid))
            FROM pg_stat_activity
            WHERE pid <> pg_backend_pid() AND application_name = $2 AND query ~ ('(^|[^a-z0-9_])' || $1 || '([^a-z0-9_]|$)')
            """;
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue(Guards.FamilyRules.NameOf(clone, Guards.FamilyRules.Roles.Spare));
        cmd.Parameters.AddWithValue(Engine.EngineScript.SpareApplicationName);
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
