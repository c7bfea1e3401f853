using System.Globalization;
using GovClone.Configuration;
using Npgsql;

namespace GovClone.Branches;

/// <summary>How far a branch got.</summary>
public enum BranchState
{
    /// <summary>Marked complete: a whole copy of a current retained template (seeded and run through the suite by its create).</summary>
    Complete,

    /// <summary>Marked incomplete: being made now (its create holds the branch's lock), or a create cut short.</summary>
    Incomplete,

    /// <summary>No marker: a create cut short between CREATE DATABASE and its first mark. Never used; <c>branch create NAME</c> or <c>branch drop NAME</c> removes it.</summary>
    Unmarked,

    /// <summary>An interrupted DROP DATABASE left its catalog row (PostgreSQL ≥ 15.4): never complete, whatever it carried.</summary>
    Invalid,
}

/// <summary>One branch as <c>branch list</c> and <c>status</c> show it.</summary>
/// <param name="Name">NAME.</param>
/// <param name="Database"><c>&lt;clone&gt;_&lt;NAME&gt;</c>.</param>
/// <param name="State">Complete, incomplete, unmarked or invalid.</param>
/// <param name="Marker">Its marker (null when unmarked).</param>
/// <param name="SizeBytes">pg_database_size (null for an invalid database).</param>
/// <param name="Sessions">Live sessions on it (anyone's, govclone's included).</param>
/// <param name="ConnectRevokedFromPublic">CONNECT revoked from PUBLIC.</param>
/// <param name="Now">The server's time when it was read (ages are measured against it).</param>
/// <param name="Comment">The database's comment as read (the marker's text).</param>
public sealed record BranchInfo(string Name, string Database, BranchState State, BranchMarker? Marker, long? SizeBytes, int Sessions, bool ConnectRevokedFromPublic, DateTimeOffset Now, string Comment)
{
    public bool Complete => State == BranchState.Complete;

    /// <summary>Since its creation (null when unmarked: nothing records it).</summary>
    public TimeSpan? Age => Marker?.Created is { } c ? Now - c : null;

    /// <summary>
    /// Last use: now while a session is on it; else the last govclone lever on it (the marker's used=, which every
    /// branch lever moves: create, seed, reset, verify), else its creation. Null when unmarked.
    /// </summary>
    public DateTimeOffset? LastUse => Sessions > 0 ? Now : Marker?.LastUse;

    /// <summary>How long it has not been used (zero while a session is on it).</summary>
    public TimeSpan? Idle => LastUse is { } u ? Now - u : null;

    /// <summary>Owner label (the marker's owner=; "-" when unmarked).</summary>
    public string Owner => Marker?.Owner ?? "-";

    /// <summary>A duration as branch list shows it: <c>3d 4h</c>, <c>5h 12m</c>, <c>7m</c>, <c>42s</c>.</summary>
    public static string Format(TimeSpan? span)
    {
        if (span is not { } s)
        {
            return "-";
        }

        if (s < TimeSpan.Zero)
        {
            s = TimeSpan.Zero;
        }

        return s.TotalDays >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)s.TotalDays}d {s.Hours}h")
            : s.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)s.TotalHours}h {s.Minutes}m")
            : s.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)s.TotalMinutes}m")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)s.TotalSeconds}s");
    }
}

/// <summary>
/// The branches of a clone, read from the server in one query (<c>sql/branch/branch_list.sql</c>): every database named
/// <c>&lt;clone&gt;_&lt;NAME&gt;</c> with a valid NAME (the template and the companions excluded) that carries a branch
/// marker of this clone. With <c>includeUnmarked</c> also those of that shape without any comment (a create cut short
/// before its first mark, or a database that merely shares the name: nothing tells them apart, so they are shown by
/// <c>branch list</c> and made again or dropped only when named, never counted in status, the decision or the budget,
/// nor dropped by gc). A database of that shape that carries anything else (another clone's marker) is left out.
/// </summary>
public static class BranchCatalog
{
    public static async Task<IReadOnlyList<BranchInfo>> ReadAsync(NpgsqlConnection maintenance, GovCloneSettings settings, CancellationToken ct, bool includeUnmarked = false)
    {
        ArgumentNullException.ThrowIfNull(maintenance);
        ArgumentNullException.ThrowIfNull(settings);
        await using var cmd = new NpgsqlCommand(BranchSql.With([("clone", settings.CloneDatabase)], BranchSql.List), maintenance);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<BranchInfo>();
        // The first result is set_config's row.
        while (await r.ReadAsync(ct))
        {
        }

        await r.NextResultAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var database = r.GetString(0);
            var name = BranchName.NameIn(settings.CloneDatabase, database);
            if (name is null || database == settings.TemplateDatabase)
            {
                continue;
            }

            var comment = r.GetString(1);
            var invalid = r.GetBoolean(5);
            var marker = BranchMarker.Parse(comment);
            if (marker is not null && marker.Parent != settings.CloneDatabase)
            {
                continue;
            }

            if (marker is null && (comment.Length > 0 || !includeUnmarked))
            {
                continue; // some other database that happens to be named like a branch, or an unmarked one not asked for
            }

            var state = invalid ? BranchState.Invalid
                : marker is null ? BranchState.Unmarked
                : marker.Complete ? BranchState.Complete : BranchState.Incomplete;
            var now = DateTimeOffset.Parse(r.GetString(6), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            list.Add(new BranchInfo(name, database, state, marker, r.IsDBNull(2) ? null : r.GetInt64(2), r.GetInt32(3), r.GetBoolean(4), now, comment));
        }

        return list;
    }
}
