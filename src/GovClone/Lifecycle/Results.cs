using GovClone.Configuration;
using GovClone.Decision;
using GovClone.Sql;

namespace GovClone.Lifecycle;

/// <summary>
/// What the server says about the clone database itself. <paramref name="Invalid"/>: PostgreSQL (since 15.4) keeps
/// the catalog row of a database whose DROP DATABASE was interrupted, with datconnlimit -2; it cannot be connected
/// to and is never complete, whatever marker it still carries. The next clone or drop removes it.
/// </summary>
public sealed record CloneState(bool Exists, bool Complete, string? Marker, int? MarkerGeneration, long? SizeBytes, bool? ConnectRevokedFromPublic, bool Invalid = false)
{
    public static CloneState Absent { get; } = new(false, false, null, null, null, null);
}

/// <summary>The retained template (govclone:retainTemplate): present, current for this generation, its size and marker.</summary>
public sealed record TemplateState(string Name, bool Exists, bool Current, long? SizeBytes, string? Marker)
{
    /// <summary>One line for status: what is kept and what a re-clone will do.</summary>
    public string Describe(GovCloneSettings settings)
    {
        System.ArgumentNullException.ThrowIfNull(settings);
        var policy = settings.RetainTemplate switch
        {
            RetainTemplate.Yes => "retainTemplate true",
            RetainTemplate.No => "retainTemplate false",
            _ => $"retainTemplate auto: kept when under {LifecycleDecider.NegligibleShareOfFree.ToString("P0", System.Globalization.CultureInfo.InvariantCulture)} of free space",
        };
        if (!Exists)
        {
            return $"none ({policy}); a re-clone reads the source";
        }

        return Current
            ? $"{Name}, {LifecycleDecider.FormatBytes(SizeBytes ?? 0)}, current ({policy}); a re-clone is a FILE_COPY of it, production untouched"
            : $"{Name}, {LifecycleDecider.FormatBytes(SizeBytes ?? 0)}, stale or incomplete ('{Marker}'); the next clone from the source replaces it";
    }
}

/// <summary>
/// The ready spare <c>&lt;clone&gt;_spare</c> (govclone:keepSpare): present, current (a marked copy of the current retained
/// template), its size, the template's time it copies, its marker.
/// </summary>
public sealed record SpareState(string Name, bool Exists, bool Current, long? SizeBytes, string TemplateAt, string? Marker)
{
    /// <summary>One line for status: what is kept and what a re-clone will do.</summary>
    public string Describe(GovCloneSettings settings)
    {
        System.ArgumentNullException.ThrowIfNull(settings);
        var policy = settings.KeepSpare switch
        {
            KeepSpare.Yes => "keepSpare true",
            KeepSpare.No => "keepSpare false",
            _ => $"keepSpare auto: kept when under {LifecycleDecider.NegligibleShareOfFree.ToString("P0", System.Globalization.CultureInfo.InvariantCulture)} of free space",
        };
        if (!Exists)
        {
            return $"none ({policy}); a re-clone copies the retained template";
        }

        return Current
            ? $"{Name}, {LifecycleDecider.FormatBytes(SizeBytes ?? 0)}, ready ({policy}); a re-clone is a swap of names, then it is remade"
            : $"{Name}, {LifecycleDecider.FormatBytes(SizeBytes ?? 0)}, not ready ('{Marker}'): never used; the next `govclone spare` replaces it";
    }
}

/// <summary>A database of the family an interrupted run (or a swap, or a drop cut short) left, which the next lever holding its lock drops.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Role">Its role in the family (next, old, template, spare).</param>
/// <param name="Kind">Its marker's kind (building, old, dropping).</param>
/// <param name="SizeBytes">Its size (null for an invalid database).</param>
public sealed record Leftover(string Name, string Role, string Kind, long? SizeBytes);

/// <summary>What of a clone's or branch's database-level properties is govclone's own by design, not the source's.</summary>
public static class Fidelity
{
    /// <summary>The result's fidelity word when nothing is missing but govclone's own properties (<see cref="Own"/>).</summary>
    public const string EqualExceptOwn = "equal-except-own";

    /// <summary>The result's fidelity word when something of the source is missing (the gaps say what).</summary>
    public const string Partial = "partial";

    /// <summary>govclone's own database-level properties: never the source's, on every clone, template, spare and branch.</summary>
    public static IReadOnlyList<string> Own { get; } =
    [
        "the database's comment is govclone's marker (family, role, identity), not the source's comment",
        "the database's ACL closes it to PUBLIC (CONNECT, TEMPORARY revoked); no database-level grant of the source is copied to any role",
        "the database's owner is the role that cloned it, not the source's owner",
    ];

    /// <summary>The fidelity word for these gaps.</summary>
    public static string Word(IReadOnlyCollection<string> gaps) => gaps is null || gaps.Count == 0 ? EqualExceptOwn : Partial;
}

/// <summary>Everything <c>govclone status</c> shows.</summary>
public sealed record CloneStatus
{
    public required string CloneDatabase { get; init; }
    public required string SourceDatabase { get; init; }
    public required string Transport { get; init; }
    public required CloneState State { get; init; }

    /// <summary>Complete and of the configured generation: what <c>up</c> keeps. A complete clone of another generation is not current.</summary>
    public required bool Current { get; init; }

    /// <summary>govclone:cloneGeneration; the clone's marker carries <see cref="CloneState.MarkerGeneration"/>.</summary>
    public required int ConfiguredGeneration { get; init; }
    public required TemplateState Template { get; init; }

    /// <summary>The template line of status: what is kept, why, and what a re-clone will do.</summary>
    public required string TemplateSummary { get; init; }

    /// <summary>The ready spare (govclone:keepSpare); its size counts in the decision's disk cost.</summary>
    public required SpareState Spare { get; init; }

    /// <summary>The spare line of status.</summary>
    public required string SpareSummary { get; init; }
    public required string Profile { get; init; }
    public IReadOnlyList<MetricValue>? Metrics { get; init; }
    public IReadOnlyList<MetricCheck>? Checks { get; init; }
    public int? AppConnections { get; init; }
    public int? WorkerLeases { get; init; }
    public long? HostFreeBytes { get; init; }
    public long? HostTotalBytes { get; init; }

    /// <summary>The clone's branches (govclone branch): counted here and in the decision's disk cost.</summary>
    public IReadOnlyList<Branches.BranchInfo> Branches { get; init; } = [];

    /// <summary>Why the clone is not the one this config wants (null when it is current, or absent).</summary>
    public string? NotCurrentBecause { get; init; }

    /// <summary>This family's leftovers (an interrupted run's <c>&lt;clone&gt;_next</c>, a retired clone, a template or spare left building or dropping), by their markers, with their sizes.</summary>
    public IReadOnlyList<Leftover> Leftovers { get; init; } = [];
    public required LifecycleFacts Facts { get; init; }
    public required LifecycleDecision Decision { get; init; }
}

/// <summary>The have/want of every metric against a profile.</summary>
public sealed record VerifyResult(SeedProfile Profile, IReadOnlyList<MetricCheck> Checks)
{
    public bool Passed => Checks.All(c => c.Ok);

    public IEnumerable<MetricCheck> Drift => Checks.Where(c => !c.Ok);
}

/// <summary>One lever's outcome: whether it changed anything, in a sentence.</summary>
public sealed record LeverResult(string Lever, bool Changed, string Summary)
{
    /// <summary>A clone changed and the ready spare is still to be remade (<see cref="CloneLifecycle.SpareAsync"/>).</summary>
    public bool SpareDue { get; init; }

    /// <summary>What of the source's schema-level state the clone lacks, when the cloning role could not restore it all.</summary>
    public IReadOnlyList<string> Fidelity { get; init; } = [];

    /// <summary>Production during the lever, when it read it (a clone from the source); null when it did not.</summary>
    public ProductionReport? Production { get; init; }
}

/// <summary>
/// The outcome of <c>up</c>: the steps that ran, the suite's verdict, and production: <see cref="ProductionUnchanged"/> is the
/// fingerprint's equality before and after (others write a live production: a report, not a failure), <see cref="Production"/>
/// what govclone's sessions there were proven not to do and what other sessions changed meanwhile.
/// </summary>
public sealed record UpResult(IReadOnlyList<LeverResult> Steps, VerifyResult Verify, bool ProductionUnchanged)
{
    /// <summary>Production during the run (issue 21).</summary>
    public ProductionReport Production { get; init; } = new() { Read = true };

    public int Changes => Steps.Count(s => s.Changed);

    /// <summary>The clone changed and the ready spare is still to be remade.</summary>
    public bool SpareDue { get; init; }
}

/// <summary>Progress of a clone, for a live bar or periodic lines.</summary>
public sealed record CloneProgress(string Phase, long BytesWritten, long RowsCopied, long? SourceBytes, TimeSpan Elapsed, string? Message = null)
{
    public double? Fraction => SourceBytes is > 0 ? Math.Min(1.0, (double)BytesWritten / SourceBytes.Value) : null;

    public TimeSpan? Estimate => Fraction is > 0.02 and < 1.0 ? TimeSpan.FromSeconds(Elapsed.TotalSeconds * (1 - Fraction.Value) / Fraction.Value) : null;
}

/// <summary>A fingerprint of the source's governance tables and catalog: equal before and after means production was not changed.</summary>
public sealed record SourceFingerprint(string Governance, string Catalog);

/// <summary>
/// A seed or reset did not bring the clone to its profile: the suite's have/want drift afterwards, and the rows the seed
/// did not write, when those are why (then nothing was changed). Exit 1, like any drift.
/// </summary>
public sealed class StateNotReachedException : GovCloneException
{
    public StateNotReachedException(string message, SeedProfile profile, IReadOnlyList<MetricCheck> drift, IReadOnlyList<ForeignRowGroup> foreignRows)
        : base(message)
    {
        Profile = profile;
        Drift = drift;
        ForeignRows = foreignRows;
    }

    public SeedProfile Profile { get; }

    /// <summary>The metrics that miss the profile.</summary>
    public IReadOnlyList<MetricCheck> Drift { get; }

    /// <summary>Rows the seed did not write (empty when they are not the cause).</summary>
    public IReadOnlyList<ForeignRowGroup> ForeignRows { get; }
}
