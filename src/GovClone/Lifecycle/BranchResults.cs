using GovClone.Branches;
using GovClone.Configuration;

namespace GovClone.Lifecycle;

/// <summary>What <c>branch create</c> is asked for besides NAME.</summary>
/// <param name="Profile">The seed profile the branch converges to (default govclone:seedProfile).</param>
/// <param name="Owner">The owner label its marker carries (<see cref="BranchMarker.IsOwnerLabel"/>).</param>
/// <param name="MakeTemplate">
/// When there is no current retained template: make one first with the clone's own levers under the clone's lock
/// (<c>govclone clone --force</c> from the source, retaining its template, then <c>govclone up</c>) instead of refusing.
/// </param>
public sealed record BranchCreateOptions(SeedProfile Profile, string Owner, bool MakeTemplate = false);

/// <summary>One step of a branch lever starting or finishing (the CLI's progress lines and <c>--json</c> step events).</summary>
/// <param name="Phase"><c>start</c> or <c>finish</c>.</param>
public sealed record BranchStep(string Phase, int Step, int Steps, string Name, string Text, double? Seconds = null);

/// <summary>The outcome of <c>branch create</c>: whether it copied, what each step did, and the suite on the branch.</summary>
public sealed record BranchCreateResult(BranchName Branch, bool Copied, IReadOnlyList<LeverResult> Steps, VerifyResult Verify, BranchInfo? Info)
{
    /// <summary>Production during the create: not read (a copy of the retained template), unless --make-template re-cloned from it.</summary>
    public ProductionReport Production { get; init; } = ProductionReport.NotRead;

    /// <summary>What the branch lacks of the source (as a clone's result says it): the template's own gaps, database settings it could not carry.</summary>
    public IReadOnlyList<string> FidelityGaps { get; init; } = [];

    /// <summary>The branch is the ready branch spare renamed (govclone:keepBranchSpare), not a copy made now.</summary>
    public bool UsedBranchSpare { get; init; }

    /// <summary>
    /// The branch spare is to be made (this create used it, or found none ready): <c>govclone spare</c> makes the next one
    /// (the CLI starts it in the background, as after a re-clone).
    /// </summary>
    public bool SpareDue { get; init; }

    public bool Passed => Verify.Passed;

    public bool Changed => Steps.Any(s => s.Changed);
}

/// <summary>A branch <c>branch gc</c> left alone, and why.</summary>
public sealed record BranchSkipped(string Name, string Database, string Reason);

/// <summary>The outcome of <c>branch gc</c> (or what it would do, with --dry-run).</summary>
public sealed record BranchGcResult(TimeSpan OlderThan, bool DryRun, IReadOnlyList<BranchInfo> Dropped, IReadOnlyList<BranchSkipped> Skipped, int Kept)
{
    /// <summary>What became of a branch spare that was not ready (stale or a leftover): dropped, or why not; null when none.</summary>
    public string? BranchSpare { get; init; }

    public bool Changed => !DryRun && (Dropped.Count > 0 || BranchSpare?.StartsWith("dropped", StringComparison.Ordinal) == true);
}
