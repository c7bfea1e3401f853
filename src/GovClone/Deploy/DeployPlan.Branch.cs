using GovClone.Branches;
using GovClone.Configuration;
using GovClone.Guards;

namespace GovClone.Deploy;

/// <summary>
/// A branch stack (issue 17): a stack per pull request (<c>pr-123</c>) with govclone:branchOf set to the parent clone's
/// name. Its program creates the branch <c>&lt;parent&gt;_&lt;NAME&gt;</c> (NAME from the stack's name: <c>pr_123</c>)
/// instead of the clone, runs the suite on it every <c>pulumi up</c>, outputs its name; <c>pulumi destroy</c> drops it.
/// Like the clone's stack, every step is a govclone lever under a lock (here the branch's own), so a PR's stack
/// never takes the clone's lock nor touches the clone, its template (only read, by the copy) or production.
/// </summary>
public sealed partial class DeployPlan
{
    public const string Branch = "branch";
    public const string BranchCommand = "branch-create";
    public const string BranchSuite = "branch-suite";
    public const string BranchSuiteCommand = "branch-suite-run";

    /// <summary>What a branch's levers read besides the identity settings: the template's generation, the budget, the free space.</summary>
    public static readonly IReadOnlyList<SettingKey> BranchSettings =
    [
        SettingKeys.CloneGeneration, SettingKeys.HostFreeBytes, SettingKeys.MaxBranches, SettingKeys.BranchMinFreeBytes, SettingKeys.KeepBranchSpare, SettingKeys.BranchOf,
        // The clone's masking: the branch's verify proves these rules, per masked column (without it a branch stack's
        // proof checked the default rules whatever the clone was made under).
        SettingKeys.Masking,
    ];

    /// <summary>Settings a change of which replaces the branch (another branch): its Delete drops the old one first.</summary>
    public static readonly IReadOnlyList<SettingKey> BranchIdentityTriggers = [SettingKeys.CloneDatabase, SettingKeys.TemplateDatabase];

    /// <summary>A branch stack's plan: <see cref="BranchStack"/> is set, <see cref="CloneStack"/> is not.</summary>
    public bool IsBranch => BranchStack is not null;

    /// <summary>The branch a branch stack makes (null for the clone's stack).</summary>
    public Branches.BranchName? BranchName => BranchStack?.Branch.Name;

    /// <summary>Whether <paramref name="stack"/> is a pull request's stack: <c>pr-</c> and 1 to 17 digits (its branch, <c>pr_N</c>, fits NAME's 20 characters).</summary>
    public static bool IsPullRequestStack(string stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        if (!stack.StartsWith("pr-", StringComparison.Ordinal) || stack.Length is < 4 or > 20)
        {
            return false;
        }

        foreach (var c in stack[3..])
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static DeployPlan ForBranch(GovCloneSettings s, DeployInputs inputs)
    {
        DatabaseNameGuard.RequireClone(s.CloneDatabase, s.SourceDatabase);
        if (inputs.HasSshPrivateKey && s.Transport != TransportKind.Ssh)
        {
            throw new ConfigurationException(SettingKeys.SshPrivateKey.ConfigKey, "is set but govclone:transport is not ssh", "remove it, or set govclone:transport ssh");
        }

        var stack = inputs.StackName ?? throw new ConfigurationException(SettingKeys.BranchOf.ConfigKey, "is set, but the program was not given its stack's name",
            "run it as a Pulumi stack named like pr-123 (the branch is named after the stack)");
        if (!IsPullRequestStack(stack))
        {
            // The clone's own stack (nonprod) can never turn into a branch stack: its clone steps would leave the program,
            // and their Delete (govclone drop) would drop the clone.
            throw new ConfigurationException(SettingKeys.BranchOf.ConfigKey, $"makes a stack per pull request, named pr-<number>; this stack is '{stack}'",
                "create the branch stack as pr-<number> (pulumi stack select --create pr-123) and set govclone:branchOf there; never on the clone's own stack, whose clone it would drop");
        }

        var branch = Branches.BranchName.OfStack(s, stack);
        var owner = BranchMarker.IsOwnerLabel(stack) ? stack : branch.Name;
        var values = SettingValues.Of(s);
        var profile = s.SeedProfile.ToString().ToLowerInvariant();
        var settings = IdentitySettings.Concat(TransportSettings).Concat(BranchSettings).ToList();
        var secrets = Secrets(inputs, withSshKey: true);
        // The baseline profile resets a branch that exists, so `branch create --profile baseline` asks (issue 21): --yes then.
        var create = Line("branch create", [branch.Name, "--profile", profile, "--owner", owner], values, confirm: s.SeedProfile == SeedProfile.Baseline,
            SettingKeys.CloneDatabase, SettingKeys.TemplateDatabase, SettingKeys.CloneGeneration);
        var branchCreate = Step(create,
            // Another parent or template is another branch: replaced, the old one dropped first.
            triggers: [.. BranchIdentityTriggers.Select(k => (object)$"{k.Name}={values[k]}"), $"branch={branch.Name}"],
            values, settings, secrets,
            delete: Line("branch drop", [branch.Name], values, SettingKeys.CloneDatabase));
        var suite = Step(create, triggers: [inputs.RunId], values, settings, secrets);
        return new DeployPlan(s, inputs, cloneStack: null,
            new BranchStackPlan(new BranchPlan(branch, s.CloneDatabase, owner, branchCreate), new BranchSuitePlan(profile, suite)));
    }
}
