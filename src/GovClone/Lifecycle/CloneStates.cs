using System.Globalization;
using GovClone.Configuration;
using GovClone.Engine;
using GovClone.Guards;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>
/// What the server says of a settings' databases, read on a maintenance session: the clone (exists, complete, current),
/// the retained template, the ready spare, and the source's presence. Reads only; every lever asks here.
/// </summary>
internal sealed class CloneStates(GovCloneSettings settings)
{
    public async Task<CloneState> ReadStateAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(maintenance);
        const string sql = """
            SELECT coalesce(shobj_description(d.oid, 'pg_database'), ''),
                   pg_database_size(d.oid),
                   d.datacl IS NOT NULL AND NOT EXISTS (
                     SELECT 1 FROM aclexplode(d.datacl) a WHERE a.grantee = 0 AND a.privilege_type = 'CONNECT'),
                   d.datconnlimit = -2
            FROM pg_database d WHERE d.datname = $1
            """;
        await using var cmd = new NpgsqlCommand(sql, maintenance);
        cmd.Parameters.AddWithValue(settings.CloneDatabase);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            return CloneState.Absent;
        }

        var marker = r.GetString(0);
        var invalid = r.GetBoolean(3);
        // Complete: a complete marker naming this family (one written before families names the database it is on).
        var parsed = FamilyMarker.Parse(marker, settings.CloneDatabase);
        var complete = !invalid && parsed is { Kind: MarkerKinds.Complete } && parsed.Family == settings.CloneDatabase;
        var generation = complete ? parsed!.Generation : null;

        // pg_database_size is NULL when the files are gone: an interrupted or concurrent DROP DATABASE.
        return new CloneState(true, complete, marker.Length == 0 ? null : marker, generation, r.IsDBNull(1) ? null : r.GetInt64(1), r.GetBoolean(2), invalid);
    }

    /// <summary>The retained template: current when it carries this generation's template marker and is a connection-free template.</summary>
    public async Task<TemplateState> ReadTemplateAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(maintenance);
        const string sql = """
            SELECT coalesce(shobj_description(d.oid, 'pg_database'), ''), pg_database_size(d.oid),
                   d.datistemplate AND NOT d.datallowconn AND d.datconnlimit <> -2
            FROM pg_database d WHERE d.datname = $1
            """;
        await using var cmd = new NpgsqlCommand(sql, maintenance);
        cmd.Parameters.AddWithValue(settings.TemplateDatabase);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            return new TemplateState(settings.TemplateDatabase, false, false, null, null);
        }

        var marker = r.GetString(0);
        var current = r.GetBoolean(2) && marker.StartsWith(EngineScript.TemplateMarkerFor(settings) + " ", StringComparison.Ordinal);
        return new TemplateState(settings.TemplateDatabase, true, current, r.IsDBNull(1) ? null : r.GetInt64(1), marker.Length == 0 ? null : marker);
    }

    /// <summary>The ready spare (<c>&lt;clone&gt;_spare</c>) and the template it copies, by sql/engine/spare_state.sql.</summary>
    /// <param name="maintenance">A session in the maintenance database.</param>
    /// <param name="ct">Cancels the read.</param>
    /// <param name="withSize">Also its size (a walk of its files: not on a re-clone's critical path).</param>
    public async Task<SpareState> ReadSpareAsync(NpgsqlConnection maintenance, CancellationToken ct, bool withSize = true)
    {
        ArgumentNullException.ThrowIfNull(maintenance);
        var parameters = EngineFiles.FamilySettings(settings,
            ("template_marker", EngineScript.TemplateMarkerFor(settings)), ("spare_marker", EngineScript.SpareMarkerFor(settings)),
            ("spare_size", withSize ? "on" : "off"));
        await using (var set = new NpgsqlCommand(parameters, maintenance))
        {
            await set.ExecuteNonQueryAsync(ct);
        }

        await using var cmd = new NpgsqlCommand(EngineFiles.GetSql("spare_state.sql"), maintenance);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new SpareState(EngineScript.SpareDatabase(settings), r.GetBoolean(0), r.GetBoolean(1), r.IsDBNull(2) ? null : r.GetInt64(2),
            r.GetString(4), r.GetString(5) is { Length: > 0 } marker ? marker : null);
    }

    /// <summary>
    /// Complete and the clone this config wants: its marker names this family, the configured source and generation,
    /// and (when govclone:cloneMethod names one) the way its data was read. Nothing to copy.
    /// </summary>
    public bool IsCurrent(CloneState state) => NotCurrentBecause(state) is null;

    /// <summary>Why the clone is not the one this config wants (what <c>up</c> says when it re-clones), or null when it is.</summary>
    public string? NotCurrentBecause(CloneState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var clone = settings.CloneDatabase;
        if (!state.Exists)
        {
            return $"{clone} does not exist";
        }

        if (state.Invalid)
        {
            return $"{clone} is an invalid database (an interrupted DROP DATABASE)";
        }

        var marker = FamilyMarker.Parse(state.Marker, clone);
        if (!state.Complete || marker is null)
        {
            return $"{clone} carries no complete marker of this family (its marker: '{state.Marker ?? "none"}')";
        }

        if (marker.Legacy)
        {
            return $"its marker names no family (made by an earlier govclone: '{state.Marker}')";
        }

        if (marker["source"] != settings.SourceDatabase)
        {
            return $"it is a copy of {marker["source"]}, and govclone:sourceDatabase is {settings.SourceDatabase}";
        }

        if (marker.Generation != settings.CloneGeneration)
        {
            return string.Create(CultureInfo.InvariantCulture, $"it is of generation {marker["generation"]}, and govclone:cloneGeneration is {settings.CloneGeneration}");
        }

        if (Masking.MaskingCheck.NotCurrentBecause(marker, settings) is { } masking)
        {
            return masking;
        }

        if (EngineScript.ExplicitMethod(settings) is { } method && marker["method"] != method)
        {
            return $"its data was read by {marker["method"] ?? "an unrecorded way"}, and govclone:cloneMethod is {method}";
        }

        return null;
    }

    /// <summary>The clone's state, when it is complete; otherwise an error that says what to run.</summary>
    public async Task<CloneState> RequireCompleteCloneAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        var state = await ReadStateAsync(maintenance, ct);
        if (!state.Exists)
        {
            throw new OperationFailedException($"{settings.CloneDatabase} does not exist. Run `govclone up` (or `govclone clone`) first.");
        }

        if (state.Invalid)
        {
            throw new OperationFailedException($"{settings.CloneDatabase} is an invalid database (an interrupted DROP DATABASE left its catalog row; nothing can connect to it). Run `govclone up`, which drops it and re-clones, or `govclone drop`.");
        }

        if (!state.Complete)
        {
            throw new OperationFailedException($"{settings.CloneDatabase} is incomplete (an interrupted or failed clone: no complete marker). Run `govclone up`, which re-clones it.");
        }

        return state;
    }

    /// <summary>
    /// Refuses (exit 2, naming govclone:sourceDatabase) unless the source exists on this server: a lever run with a source
    /// that is not there has the wrong settings (a typo, another server), so it touches nothing, the clone included.
    /// </summary>
    public async Task RequireSourceAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", maintenance);
        cmd.Parameters.AddWithValue(settings.SourceDatabase);
        if (await cmd.ExecuteScalarAsync(ct) is null)
        {
            throw NoSource();
        }
    }

    /// <summary>The source's size in bytes (a walk of its files: for progress); null when its files are gone.</summary>
    public async Task<long?> SourceSizeAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_database_size(oid) FROM pg_database WHERE datname = $1", maintenance);
        cmd.Parameters.AddWithValue(settings.SourceDatabase);
        var v = await cmd.ExecuteScalarAsync(ct);
        if (v is null)
        {
            throw NoSource();
        }

        return v is DBNull ? null : (long)v; // NULL: its files are gone (an invalid source); the clone itself reports that
    }

    private ConfigurationException NoSource() =>
        new(SettingKeys.SourceDatabase.ConfigKey, $"database '{settings.SourceDatabase}' does not exist on {settings.Host}:{settings.Port}; nothing was done, the clone was not touched",
            "set govclone:sourceDatabase to the production database's name");
}
