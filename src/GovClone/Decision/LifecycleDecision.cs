using System.Globalization;
using System.Text.Json.Serialization;
using GovClone.Configuration;

namespace GovClone.Decision;

[JsonConverter(typeof(JsonStringEnumConverter<LifecycleVerdict>))]
public enum LifecycleVerdict
{
    /// <summary>Keep the clone as the regression harness host.</summary>
    RETAIN,

    /// <summary>The clone has served its purpose: tear it down.</summary>
    DROP,
}

[JsonConverter(typeof(JsonStringEnumConverter<FactorStatus>))]
public enum FactorStatus
{
    Ok,
    Warn,
    Unknown,
}

/// <summary>The facts a decision is made from: live ones from the server, the rest from configuration.</summary>
public sealed record LifecycleFacts
{
    public required string CloneDatabase { get; init; }
    public required bool CloneExists { get; init; }
    public required bool CloneComplete { get; init; }
    public long? CloneSizeBytes { get; init; }

    /// <summary>Size of the retained template copy (govclone:retainTemplate), when one exists; it counts in the disk cost, with or without a clone.</summary>
    public long? TemplateSizeBytes { get; init; }

    /// <summary>The clone's companions that exist (<c>&lt;clone&gt;_next</c>, <c>_old</c>, <c>_spare</c>), with their sizes: they count in the disk cost too.</summary>
    public IReadOnlyList<DatabaseSize> CompanionSizes { get; init; } = [];

    /// <summary>The clone's branches (<c>&lt;clone&gt;_&lt;NAME&gt;</c>, govclone branch) with their sizes: they count in the disk cost.</summary>
    public IReadOnlyList<DatabaseSize> BranchSizes { get; init; } = [];

    /// <summary>Branches whose CONNECT is not revoked from PUBLIC (isolation).</summary>
    public int BranchesOpenToPublic { get; init; }
    public long? HostFreeBytes { get; init; }
    public long? HostTotalBytes { get; init; }

    /// <summary>Sessions on the clone other than govclone's own; null when unknown.</summary>
    public int? AppConnections { get; init; }
    public int? WorkerLeases { get; init; }
    public bool? ConnectRevokedFromPublic { get; init; }
    public required bool InAppDatabaseSetting { get; init; }
    public required bool InQueryAllowlist { get; init; }

    /// <summary>Null when the state could not be measured (no clone).</summary>
    public bool? StateMatchesProfile { get; init; }
    public string? Evidence { get; init; }
    public required bool NameHasPrefix { get; init; }
    public required bool ProductionRolloutLanded { get; init; }
    public required bool ProductionSeedVerified { get; init; }
    public required IReadOnlyList<string> FollowUps { get; init; }
}

public sealed record DecisionFactor(string Factor, string Assessment, FactorStatus Status);

/// <summary>A database of the clone's family and its size (null when its files are gone: an invalid database).</summary>
public sealed record DatabaseSize(string Name, long? Bytes);

public sealed record LifecycleDecision(LifecycleVerdict Verdict, string Reason, IReadOnlyList<DecisionFactor> Factors);

/// <summary>
/// The seed's Objective G decision as a pure function. RETAIN until the production rollout (the human
/// gate) has landed and the production seed and verify have run; then DROP, unless an axis, emit or DOT
/// follow-up is still queued. The factor table (disk, value, isolation, drift, naming) is assessed from
/// the same facts; the factors inform people, the gate decides.
/// </summary>
public static class LifecycleDecider
{
    /// <summary>The clone's disk cost counts as negligible below this share of the host's free space.</summary>
    public const double NegligibleShareOfFree = SettingKeys.AutoKeepShareOfFree;

    public static LifecycleDecision Decide(LifecycleFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var factors = new[] { Disk(facts), Value(facts), Isolation(facts), Drift(facts), Naming(facts) };

        string reason;
        LifecycleVerdict verdict;
        if (!facts.ProductionRolloutLanded)
        {
            verdict = LifecycleVerdict.RETAIN;
            reason = "the production rollout (the human gate) has not landed";
        }
        else if (!facts.ProductionSeedVerified)
        {
            verdict = LifecycleVerdict.RETAIN;
            reason = "the rollout landed, but the production seed and verify have not been run";
        }
        else if (facts.FollowUps.Count > 0)
        {
            verdict = LifecycleVerdict.RETAIN;
            reason = "a follow-up is still queued: " + string.Join(", ", facts.FollowUps);
        }
        else
        {
            verdict = LifecycleVerdict.DROP;
            reason = "the production rollout landed, production seed and verify ran, and no axis/emit/DOT follow-up is queued: the clone has served its purpose";
        }

        return new LifecycleDecision(verdict, reason, factors);
    }

    public static string FormatBytes(long bytes)
    {
        const double mb = 1024d * 1024d;
        const double gb = mb * 1024d;
        // The seed writes "1200 MB" and "22 GB": megabytes below 10 GB, gigabytes above.
        return bytes >= 10 * gb
            ? (bytes / gb).ToString("0.#", CultureInfo.InvariantCulture) + " GB"
            : (bytes / mb).ToString("0", CultureInfo.InvariantCulture) + " MB";
    }

    private static DecisionFactor Disk(LifecycleFacts f)
    {
        var parts = new List<(string What, long Bytes)>();
        if (f.CloneExists && f.CloneSizeBytes is { } clone)
        {
            parts.Add(("clone", clone));
        }

        if (f.TemplateSizeBytes is { } template)
        {
            parts.Add(("retained template", template));
        }

        parts.AddRange(f.CompanionSizes.Where(c => c.Bytes is not null).Select(c => (c.Name, c.Bytes!.Value)));
        if (f.BranchSizes.Count > 0)
        {
            parts.Add(($"{f.BranchSizes.Count} branch{(f.BranchSizes.Count == 1 ? string.Empty : "es")}", f.BranchSizes.Sum(b => b.Bytes ?? 0)));
        }

        if (parts.Count == 0)
        {
            return new("Disk cost", f.CloneExists
                ? "The clone is an invalid database (an interrupted DROP left its catalog row, its files are gone): nothing is spent; govclone up or drop removes it."
                : "No clone on the server, and no retained copy of it: nothing is spent.", FactorStatus.Ok);
        }

        var bytes = parts.Sum(p => p.Bytes);
        var size = parts is [("clone", _)]
            ? FormatBytes(bytes)
            : $"{FormatBytes(bytes)} ({string.Join(" + ", parts.Select(p => $"{p.What} {FormatBytes(p.Bytes)}"))})";
        if (!(f.CloneExists && f.CloneSizeBytes is not null))
        {
            size = $"No clone on the server, but {size} remains (govclone drop removes it{(f.BranchSizes.Count == 0 ? string.Empty : "; branches: govclone branch drop or gc")})";
        }

        if (f.HostFreeBytes is null)
        {
            return new("Disk cost", $"{size}; the host's free space could not be measured (set govclone:hostFreeBytes).", FactorStatus.Unknown);
        }

        var used = f.HostTotalBytes is { } total
            ? string.Create(CultureInfo.InvariantCulture, $" ({FormatBytes(total - f.HostFreeBytes.Value)}/{FormatBytes(total)} used)")
            : string.Empty;
        var share = (double)bytes / Math.Max(1, f.HostFreeBytes.Value);
        return share < NegligibleShareOfFree
            ? new("Disk cost", $"{size} on a host with {FormatBytes(f.HostFreeBytes.Value)} free{used}. Negligible.", FactorStatus.Ok)
            : new("Disk cost", string.Create(CultureInfo.InvariantCulture, $"{size} on a host with {FormatBytes(f.HostFreeBytes.Value)} free{used}: {share:P0} of the free space. Consider compact or drop + re-clone{(f.TemplateSizeBytes is null ? string.Empty : ", or govclone:retainTemplate false")}{(f.BranchSizes.Count == 0 ? string.Empty : ", or govclone branch gc")}."), FactorStatus.Warn);
    }

    private static DecisionFactor Value(LifecycleFacts f)
    {
        var size = f.CloneSizeBytes is { } s ? FormatBytes(s) : "the source's size";
        var queued = f.FollowUps.Count == 0 ? "no follow-up queued" : "queued follow-ups: " + string.Join(", ", f.FollowUps);
        return new("Value",
            $"Hosts the reusable regression suite and is the re-run target for the axis prototype, event sim and DOT rehearsal ({queued}). Re-cloning costs ~{size} of dump/restore each time.",
            FactorStatus.Ok);
    }

    private static DecisionFactor Isolation(LifecycleFacts f)
    {
        var problems = new List<string>();
        if (f.InAppDatabaseSetting)
        {
            problems.Add("it is the app's DB_DATABASE");
        }

        if (f.InQueryAllowlist)
        {
            problems.Add("it is in the query tool's allowlist");
        }

        if (f.AppConnections is > 0)
        {
            problems.Add($"{f.AppConnections} app connection(s)");
        }

        if (f.WorkerLeases is > 0)
        {
            problems.Add($"{f.WorkerLeases} active worker lease(s)");
        }

        if (f.ConnectRevokedFromPublic == false)
        {
            problems.Add("CONNECT is granted to PUBLIC");
        }

        if (f.BranchesOpenToPublic > 0)
        {
            problems.Add($"{f.BranchesOpenToPublic} branch(es) open to PUBLIC");
        }

        if (problems.Count > 0)
        {
            return new("Isolation", "BROKEN: " + string.Join("; ", problems) + ".", FactorStatus.Warn);
        }

        if (!f.CloneExists)
        {
            return new("Isolation", "No clone; the name is outside the app's DB_DATABASE and the query tool's allowlist.", FactorStatus.Ok);
        }

        var conns = f.AppConnections is null ? "connections unknown" : "0 app connections";
        var leases = f.WorkerLeases is null ? "worker leases unknown" : "0 worker leases";
        return new("Isolation", $"Proven: not the app's DB_DATABASE, not in the query tool's allowlist, CONNECT revoked from PUBLIC, {conns}, {leases}.",
            f.AppConnections is null || f.WorkerLeases is null ? FactorStatus.Unknown : FactorStatus.Ok);
    }

    private static DecisionFactor Drift(LifecycleFacts f) => f.StateMatchesProfile switch
    {
        true => new("Drift risk", $"Low: committed state is small and verified ({f.Evidence}); the regression suite detects any drift on each run.", FactorStatus.Ok),
        false => new("Drift risk", $"DRIFT detected ({f.Evidence}): run govclone up (reset + seed) or investigate.", FactorStatus.Warn),
        null => new("Drift risk", f.CloneExists && !f.CloneComplete ? "The clone is incomplete: govclone up re-clones it." : "No clone to measure.", FactorStatus.Unknown),
    };

    private static DecisionFactor Naming(LifecycleFacts f) => f.NameHasPrefix
        ? new("Naming", $"Clearly non-production ({f.CloneDatabase}, directus_gov_test_ prefix); every mutation hard-guards on it in C# and in SQL.", FactorStatus.Ok)
        : new("Naming", $"{f.CloneDatabase} lacks the directus_gov_test_ prefix: every mutation refuses it.", FactorStatus.Warn);
}
