using GovClone.Configuration;
using Npgsql;

namespace GovClone.Transport;

/// <summary>
/// Npgsql connections for each role a database plays. The source is always opened read-only
/// (<c>default_transaction_read_only</c>), so no statement govclone sends can write production.
/// </summary>
public sealed class Connections
{
    private readonly GovCloneSettings _settings;

    public Connections(GovCloneSettings settings)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
    }

    public Task<NpgsqlConnection> OpenMaintenanceAsync(CancellationToken ct) => OpenAsync(_settings.MaintenanceDatabase, readOnly: false, ct);

    public Task<NpgsqlConnection> OpenSourceAsync(CancellationToken ct) => OpenAsync(_settings.SourceDatabase, readOnly: true, ct);

    /// <summary>Opens the clone and proves on the server that it is the clone before returning it.</summary>
    public async Task<NpgsqlConnection> OpenCloneAsync(CancellationToken ct)
    {
        var conn = await OpenAsync(_settings.CloneDatabase, readOnly: false, ct);
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
            Pooling = false,
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

        if (readOnly)
        {
            b.Options = "-c default_transaction_read_only=on";
        }

        return b.ConnectionString;
    }

    private async Task<NpgsqlConnection> OpenAsync(string database, bool readOnly, CancellationToken ct)
    {
        var conn = new NpgsqlConnection(ConnectionString(database, readOnly));
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
            "check govclone:host and govclone:port, that the server runs, and for a server behind ssh that the tunnel is up (ssh -N -L 5432:localhost:5432 HOST)");
    }
}
