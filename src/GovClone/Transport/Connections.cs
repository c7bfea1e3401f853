using System.Collections.Concurrent;
using GovClone.Configuration;
using Npgsql;

namespace GovClone.Transport;

/// <summary>
/// Npgsql connections for each role a database plays, each from one <see cref="NpgsqlDataSource"/>: the maintenance
/// database, the source and the clone. The source is always opened read-only (<c>default_transaction_read_only</c>),
/// so no statement govclone sends can write production.
/// </summary>
/// <remarks>
/// The data sources do not pool (<c>Pooling=false</c>), on purpose: a closed connection ends its session. A pooled
/// session would stay on the clone while it is renamed to <c>&lt;clone&gt;_old</c> (a rename fails with sessions on the
/// database), on the source while a source-template clone needs it without sessions, or on the maintenance database
/// after its run lock should have been released with it (the run lock is a session advisory lock).
/// </remarks>
public sealed class Connections
{
    /// <summary>One data source per connection string (a role of one settings), for the life of the process; without a pool each holds no session.</summary>
    private static readonly ConcurrentDictionary<string, NpgsqlDataSource> DataSources = new(StringComparer.Ordinal);

    private readonly GovCloneSettings _settings;
    private readonly Lazy<NpgsqlDataSource> _maintenance;
    private readonly Lazy<NpgsqlDataSource> _source;
    private readonly Lazy<NpgsqlDataSource> _clone;

    public Connections(GovCloneSettings settings)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _maintenance = new(() => DataSourceFor(settings.MaintenanceDatabase, readOnly: false));
        _source = new(() => DataSourceFor(settings.SourceDatabase, readOnly: true));
        _clone = new(() => DataSourceFor(settings.CloneDatabase, readOnly: false));
    }

    /// <summary>The maintenance database's data source (CREATE/DROP DATABASE, the run lock, the catalog).</summary>
    public NpgsqlDataSource Maintenance => _maintenance.Value;

    /// <summary>The source's data source: read-only sessions.</summary>
    public NpgsqlDataSource Source => _source.Value;

    /// <summary>The clone's data source; <see cref="OpenCloneAsync"/> also proves a session landed on the clone.</summary>
    public NpgsqlDataSource Clone => _clone.Value;

    public Task<NpgsqlConnection> OpenMaintenanceAsync(CancellationToken ct) => OpenAsync(Maintenance, _settings.MaintenanceDatabase, ct);

    public Task<NpgsqlConnection> OpenSourceAsync(CancellationToken ct) => OpenAsync(Source, _settings.SourceDatabase, ct);

    /// <summary>Opens the clone and proves on the server that it is the clone before returning it.</summary>
    public async Task<NpgsqlConnection> OpenCloneAsync(CancellationToken ct)
    {
        var conn = await OpenAsync(Clone, _settings.CloneDatabase, ct);
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT current_database()", conn);
            var actual = (string?)await cmd.ExecuteScalarAsync(ct);
            if (!string.Equals(actual, _settings.CloneDatabase, StringComparison.Ordinal) || !Guards.DatabaseNameGuard.HasClonePrefix(actual ?? string.Empty))
            {
                throw new GuardException(SettingKeys.CloneDatabase.ConfigKey,
                    $"the connection for '{_settings.CloneDatabase}' reached database '{actual}'",
                    "check govclone:host/port and any pgbouncer or service mapping: the clone connection must land on the clone");
            }

            await using var pin = new NpgsqlCommand(Sql.SqlScripts.ExpectDatabase(_settings.CloneDatabase), conn);
            await pin.ExecuteNonQueryAsync(ct);
            return conn;
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }

    public string ConnectionString(string database, bool readOnly)
    {
        var b = new NpgsqlConnectionStringBuilder
        {
            Host = _settings.Host,
            Port = _settings.Port,
            Username = _settings.User,
            Database = database,
            ApplicationName = "govclone",
            Timeout = 10,
            CommandTimeout = 0,
            Pooling = false, // see the remarks on the class: a closed connection ends its session
            SslMode = _settings.SslMode switch
            {
                "disable" => SslMode.Disable,
                "allow" => SslMode.Allow,
                "require" => SslMode.Require,
                "verify-ca" => SslMode.VerifyCA,
                "verify-full" => SslMode.VerifyFull,
                _ => SslMode.Prefer,
            },
            IncludeErrorDetail = false,
        };
        if (_settings.Password is not null)
        {
            b.Password = _settings.Password.Reveal();
        }

        if (_settings.PgpassFile is not null)
        {
            b.Passfile = _settings.PgpassFile;
        }

        // Npgsql takes libpq's PGOPTIONS (and PGCLIENTENCODING) from the caller's environment for a session whose
        // connection string names none, and an empty value does not survive the connection string. So every session
        // names its own (CallerEnvironment): the source's, read-only; the others', their application name once more
        // (the same value), so that none of the caller's session options reach them.
        b.ClientEncoding = "UTF8";
        // jit off in every session (as the engine's, engine/lib.sh): govclone sends catalog reads and one-off statements,
        // which a server with jit on (PostgreSQL's default) compiles whenever their estimate passes jit_above_cost; the
        // masking check spent 74 ms of its 80 in JIT.
        b.Options = (readOnly
            // Read-only, and never waiting long behind a production session's lock (a migration's ALTER TABLE).
            ? "-c default_transaction_read_only=on -c lock_timeout=" + (_settings.SourceLockTimeoutSeconds * 1000).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : "-c application_name=" + b.ApplicationName) + " -c jit=off";

        return b.ConnectionString;
    }

    // No type loading: govclone reads built-in types only (text, numbers, booleans, timestamps, arrays of them), and
    // loading a server's types is one more catalog query per data source, each lever's first session on each database
    // (verify: ~0.04 s of its 0.35 s, side by side). A user-defined type read by a query would fail loudly, not silently.
    private NpgsqlDataSource DataSourceFor(string database, bool readOnly) =>
        DataSources.GetOrAdd(ConnectionString(database, readOnly), static cs => new NpgsqlDataSourceBuilder(cs).ConfigureTypeLoading(t => t.EnableTypeLoading(false)).Build());

    private async Task<NpgsqlConnection> OpenAsync(NpgsqlDataSource dataSource, string database, CancellationToken ct)
    {
        var conn = dataSource.CreateConnection();
        try
        {
            await conn.OpenAsync(ct);
            return conn;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            await conn.DisposeAsync();
            throw Describe(ex, database);
        }
    }

    /// <summary>Turns a connection failure into a message that names the setting to fix. Never includes the password.</summary>
    private GovCloneException Describe(Exception ex, string database)
    {
        var where = $"{_settings.User}@{_settings.Host}:{_settings.Port}/{database}";
        if (ex is PostgresException pg)
        {
            return pg.SqlState switch
            {
                PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification => new ConfigurationException("password", $"the server rejected {where}: {pg.MessageText}",
                    "set GOVCLONE_PASSWORD (or PGPASSWORD), or govclone:pgpassFile, to the role's password; check govclone:user"),
                PostgresErrorCodes.InvalidCatalogName when database == _settings.SourceDatabase => new ConfigurationException(SettingKeys.SourceDatabase.ConfigKey,
                    $"database '{database}' does not exist on {_settings.Host}:{_settings.Port}", "set govclone:sourceDatabase to the production database's name"),
                PostgresErrorCodes.InvalidCatalogName when database == _settings.MaintenanceDatabase => new ConfigurationException(SettingKeys.MaintenanceDatabase.ConfigKey,
                    $"database '{database}' does not exist", "set govclone:maintenanceDatabase to an existing database, usually postgres"),
                _ => new OperationFailedException($"cannot connect to {where}: {pg.SqlState} {pg.MessageText}", ex),
            };
        }

        if (ex is NpgsqlException && ex.Message.Contains("No password has been provided", StringComparison.Ordinal))
        {
            return new ConfigurationException("password", $"the server asks {where} for a password and none is configured",
                "set GOVCLONE_PASSWORD (or PGPASSWORD), or govclone:pgpassFile (mode 0600)");
        }

        return new ConfigurationException(SettingKeys.Host.ConfigKey, $"cannot reach {_settings.Host}:{_settings.Port} ({ex.GetBaseException().Message})",
            SshTunnel.UnreachableFix(_settings));
    }
}
