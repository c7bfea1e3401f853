using System.Globalization;
using GovClone.Configuration;
using GovClone.Guards;
using GovClone.Processes;

namespace GovClone.Deploy;

/// <summary>What the plan needs besides the settings: the run's id and which secrets the stack configures.</summary>
/// <param name="RunId">A fresh value per <c>pulumi up</c>: the regression suite's trigger, so it runs every time.</param>
/// <param name="HasPassword">govclone:password is set (secret config); otherwise govclone:pgpassFile serves the password.</param>
/// <param name="HasSshPrivateKey">govclone:sshPrivateKey is set (secret config), for the ssh transport.</param>
/// <param name="StackName">The Pulumi stack's name: a branch stack (govclone:branchOf) names its branch after it (pr-123 → pr_123).</param>
public sealed record DeployInputs(string RunId, bool HasPassword = true, bool HasSshPrivateKey = false, string? StackName = null);

/// <summary>
/// The whole Pulumi deployment, Pulumi-free. <see cref="CloneStack"/> (or, on a branch stack, <see cref="BranchStack"/>)
/// holds each component's typed inputs: the levers' command lines and environments, the provider's configuration,
/// the values each component reports; the program (components/) hands them to the components' Args.
/// <see cref="Resources"/> lists every resource as the engine sees it (name, type, parent, dependencies, options,
/// inputs), in registration order: the replay, the change semantics and the fault suite run it, and the Pulumi
/// layer's mock tests hold the program's real registrations equal to it.
/// <para>
/// Every server-side step is a local Command running a convergent <c>govclone</c> lever from the project
/// directory (<c>./govclone LEVER --yes --json …</c>), so a <c>pulumi up</c> takes the same run lock, holder
/// checks and orphan cleanup as the CLI. The settings reach the lever as <c>GOVCLONE_*</c> variables and the
/// secrets as <c>GOVCLONE_PASSWORD</c> / <c>GOVCLONE_SSH_PRIVATE_KEY</c> in the Command's environment (a secret
/// Output); the lever reads no stack file. What a preview shows of a step is its short create line: the lever,
/// the clone and the settings whose change the step is about.
/// </para>
/// </summary>
public sealed partial class DeployPlan
{
    // Resource names: each child is named after its component ("clone" → "clone-converge"), except the clone
    // database's, which keep the names they had from the first release (the provider's URN never changes).
    // No name contains a config value (a value in a name turns a config change into a delete of the old resource,
    // whose Delete then runs after the new config was applied).
    public const string DatabaseComponent = "database";
    public const string Provider = "clone-server";
    public const string Database = "clone-database";
    public const string PublicRevoked = "clone-no-public-connect";
    public const string Clone = "clone";
    public const string CloneCommand = "clone-converge";
    public const string RetiredTemplateDrop = "clone-template-drop-retired";
    public const string Governance = "governance";
    public const string SeedCommand = "governance-seed";
    public const string Compaction = "compact";
    public const string CompactCommand = "compact-vacuum-full";
    public const string Suite = "regression-suite";
    public const string SuiteCommand = "regression-suite-up";

    /// <summary>The CLI as the Commands call it: the repo's wrapper, relative to the Pulumi project directory (the Command's working directory).</summary>
    public const string Cli = "./govclone";

    /// <summary>The CLI switch that makes a lever read no stack file: its settings come from the Command's environment only.</summary>
    public const string NoStackFileSwitch = "--no-stack-file";

    /// <summary>What the retired template-drop Command runs (see <see cref="RetiredTemplateDrop"/>).</summary>
    public const string RetiredTemplateDropNote = "echo 'govclone: retired step, nothing to run: clone-converge drops the retained template with the clone (govclone drop, under the run lock)'";

    /// <summary>What the compaction Command runs on an update (an input other than its trigger changed).</summary>
    public const string CompactionUpdateNote = "echo 'govclone: VACUUM FULL runs once per govclone:compactGeneration (a replacement); nothing to run on an update'";

    /// <summary>Settings every lever reads: which server, which databases, how to log in, the guards' lists, the lock's patience.</summary>
    public static readonly IReadOnlyList<SettingKey> IdentitySettings =
    [
        SettingKeys.SourceDatabase, SettingKeys.CloneDatabase, SettingKeys.TemplateDatabase, SettingKeys.MaintenanceDatabase,
        SettingKeys.Host, SettingKeys.Port, SettingKeys.User, SettingKeys.SslMode, SettingKeys.PgpassFile,
        SettingKeys.AppDatabase, SettingKeys.QueryAllowlist, SettingKeys.LockTimeoutSeconds, SettingKeys.SourceLockTimeoutSeconds,
    ];

    /// <summary>How the server's tools are reached (the clone script runs there).</summary>
    public static readonly IReadOnlyList<SettingKey> TransportSettings =
    [
        SettingKeys.Transport, SettingKeys.DockerContainer, SettingKeys.SshHost, SettingKeys.SshUser, SettingKeys.SshPort, SettingKeys.PgBinDir,
    ];

    /// <summary>What and how the clone lever copies, and which template it keeps.</summary>
    public static readonly IReadOnlyList<SettingKey> CloneSettings =
    [
        SettingKeys.CloneGeneration, SettingKeys.CloneMethod, SettingKeys.RetainTemplate, SettingKeys.KeepSpare, SettingKeys.KeepBranchSpare, SettingKeys.ToastCompression,
        SettingKeys.CloneJobs, SettingKeys.MaintenanceWorkMem, SettingKeys.StreamTableMinBytes, SettingKeys.HostFreeBytes,
        SettingKeys.Masking,
    ];

    /// <summary>Settings a change of which replaces the clone Command (a different clone family): its Delete drops the old one first. govclone:masking too, by its identity (<see cref="MaskingTriggers"/>).</summary>
    public static readonly IReadOnlyList<SettingKey> CloneIdentityTriggers =
    [
        SettingKeys.CloneDatabase, SettingKeys.TemplateDatabase, SettingKeys.SourceDatabase,
    ];

    private readonly Dictionary<string, PlannedResource> _byName;

    private DeployPlan(GovCloneSettings settings, DeployInputs inputs, CloneStackPlan? cloneStack, BranchStackPlan? branchStack)
    {
        Settings = settings;
        DeployInputs = inputs;
        CloneStack = cloneStack;
        BranchStack = branchStack;
        Resources = cloneStack is not null ? Describe(cloneStack) : Describe(branchStack!);
        _byName = Resources.ToDictionary(r => r.Name, StringComparer.Ordinal);
    }

    public GovCloneSettings Settings { get; }

    public DeployInputs DeployInputs { get; }

    /// <summary>The clone's stack, by component; null on a branch stack.</summary>
    public CloneStackPlan? CloneStack { get; }

    /// <summary>A branch stack (govclone:branchOf), by component; null on the clone's stack.</summary>
    public BranchStackPlan? BranchStack { get; }

    /// <summary>Every resource as the engine sees it, in registration order (each after its parent and what it depends on).</summary>
    public IReadOnlyList<PlannedResource> Resources { get; }

    public PlannedResource this[string name] => _byName.TryGetValue(name, out var r) ? r : throw new KeyNotFoundException($"the plan has no resource '{name}'");

    public bool Contains(string name) => _byName.ContainsKey(name);

    public IEnumerable<PlannedResource> Commands => Resources.Where(r => r.Command is not null);

    public static DeployPlan For(GovCloneSettings settings, DeployInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(inputs);
        if (settings.BranchOf is not null)
        {
            return ForBranch(settings, inputs); // a branch stack: the branch instead of the clone (DeployPlan.Branch.cs)
        }

        var s = settings;
        DatabaseNameGuard.RequireClone(s.CloneDatabase, s.SourceDatabase);
        DatabaseNameGuard.RequireClone(s.TemplateDatabase, s.SourceDatabase, SettingKeys.TemplateDatabase.ConfigKey);
        if (inputs.HasSshPrivateKey && s.Transport != TransportKind.Ssh)
        {
            throw new ConfigurationException(SettingKeys.SshPrivateKey.ConfigKey, "is set but govclone:transport is not ssh", "remove it, or set govclone:transport ssh");
        }

        var values = SettingValues.Of(s);
        var profile = s.SeedProfile.ToString().ToLowerInvariant();
        var secretsForClone = Secrets(inputs, withSshKey: true);
        var secretsForSql = Secrets(inputs, withSshKey: false);
        var cloneSettings = IdentitySettings.Concat(TransportSettings).Concat(CloneSettings).ToList();
        var seedSettings = IdentitySettings.Append(SettingKeys.SeedProfile).ToList();
        var allSettings = SettingKeys.All.Where(k => !k.IsSecret).ToList();

        var database = new CloneDatabasePlan(
            new ServerInputs(s.Host, s.Port, s.User, s.MaintenanceDatabase, s.SslMode, ConnectTimeout: 15,
                Password: inputs.HasPassword ? new SecretInput(SecretInput.Password) : null),
            new DatabaseInputs(s.CloneDatabase),
            new GrantInputs(s.CloneDatabase, Role: "public", ObjectType: "database", Privileges: []));

        var clone = new ClonePlan(
            Converge: Step(
                Line("clone", [], values, SettingKeys.CloneDatabase, SettingKeys.SourceDatabase, SettingKeys.CloneGeneration,
                    SettingKeys.CloneMethod, SettingKeys.RetainTemplate, SettingKeys.Transport),
                // A different clone, template or source is a different clone family: replaced, and (delete
                // before replace) the old family is dropped before the new one is made, so the old Delete can never
                // drop what the new config made (a template name two clones share, or the same clone re-read from
                // another source). Every other setting is an update: the lever runs again and converges.
                // A different masking too (its identity, as the markers carry it): the old family holds values the new
                // rules say a copy never holds, and it is not current (the CLI's up re-clones it from the source).
                triggers: [.. CloneIdentityTriggers.Select(k => (object)$"{k.Name}={values[k]}"), .. MaskingTriggers(s.Masking)],
                values, cloneSettings, secretsForClone,
                delete: Line("drop", [], values, SettingKeys.CloneDatabase, SettingKeys.TemplateDatabase)),
            RetiredTemplateDrop: new CommandStep
            {
                Create = RetiredTemplateDropNote,
                Environment = new Dictionary<string, string>(StringComparer.Ordinal),
                Settings = [],
            },
            Generation: s.CloneGeneration,
            TemplateDatabase: s.TemplateDatabase,
            CloneMethod: SettingValues.Word(s.CloneMethod),
            RetainTemplate: values[SettingKeys.RetainTemplate]!,
            Masking: s.Masking.Identity);

        // The generation as the number earlier versions used, so an upgraded stack updates the seed in place (its old
        // reset Delete is then forgotten, never run).
        var seeded = new SeededStatePlan(profile,
            Step(Line("seed", ["--profile", profile], values, SettingKeys.CloneDatabase), triggers: [s.CloneGeneration], values, seedSettings, secretsForSql));

        var compaction = s.CompactGeneration > 0
            ? new CompactionPlan(s.CompactGeneration,
                Step(Line("compact", [], values, SettingKeys.CloneDatabase), triggers: [s.CompactGeneration], values, IdentitySettings, secretsForSql,
                    update: CompactionUpdateNote))
            : null;

        // up, then status: the suite's verdict and production's fingerprint, then the live facts and the decision;
        // their JSON results are the stack outputs (StackOutputs.FromSuite).
        var suite = new RegressionSuitePlan(profile, s.CloneDatabase,
            Step(Line("up", [], values, SettingKeys.CloneDatabase, SettingKeys.SeedProfile, SettingKeys.CloneGeneration)
                    + " && " + Line("status", [], values, confirm: false),
                triggers: [inputs.RunId], values, allSettings, secretsForClone));

        return new DeployPlan(s, inputs, new CloneStackPlan(database, clone, seeded, compaction, suite), branchStack: null);
    }

    /// <summary>
    /// The clone Command's masking trigger: <c>masking=&lt;identity&gt;</c> (docs/masking.md), none for the default's
    /// identity. Triggers differ exactly when the identity does (no trigger is the default's), so a masking change
    /// replaces the clone step, and a stack made before govclone:masking (whose clone step has the three family
    /// triggers) keeps its clone step under the default: an update, whose <c>govclone clone</c> re-clones the
    /// unmasked clone (its marker has no <c>masking=</c>, so it is not current).
    /// </summary>
    public static IReadOnlyList<object> MaskingTriggers(MaskingRules masking)
    {
        ArgumentNullException.ThrowIfNull(masking);
        return masking.Identity == MaskingRules.Default().Identity ? [] : [$"{SettingKeys.Masking.Name}={masking.Identity}"];
    }

    /// <summary>
    /// A lever's command line: <c>./govclone LEVER --yes --json --no-stack-file ARGS -c key=value …</c>. The
    /// <c>-c</c> pairs are what a preview shows of the step (their values equal the environment's).
    /// </summary>
    public static string Line(string lever, IReadOnlyList<string> args, IReadOnlyDictionary<SettingKey, string?> values, params SettingKey[] shown) =>
        Line(lever, args, values, confirm: true, shown);

    /// <param name="lever">The subcommand.</param>
    /// <param name="args">The lever's own arguments.</param>
    /// <param name="values">Every setting's value (for the <c>-c</c> pairs).</param>
    /// <param name="confirm">Pass <c>--yes</c> (a lever that changes the clone; there is nobody to ask).</param>
    /// <param name="shown">The settings a preview shows as <c>-c</c> pairs.</param>
    public static string Line(string lever, IReadOnlyList<string> args, IReadOnlyDictionary<SettingKey, string?> values, bool confirm, params SettingKey[] shown)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shown);
        var words = new List<string> { Cli };
        words.AddRange(lever.Split(' ')); // "branch create": a subcommand's words
        if (confirm)
        {
            words.Add("--yes");
        }

        words.AddRange(["--json", NoStackFileSwitch]);
        words.AddRange(args);
        foreach (var key in shown)
        {
            if (values[key] is { } v)
            {
                words.Add("-c");
                words.Add($"{key.Name}={v}");
            }
        }

        return ShellQuote.Join(words);
    }

    /// <summary>
    /// A lever's Command: its lines, its triggers, and its environment: a <c>GOVCLONE_*</c> variable for every
    /// non-secret setting (the value for <paramref name="settings"/>, empty for the rest) and every secret variable it
    /// does not get empty, so the caller's own never reach the lever.
    /// </summary>
    private static CommandStep Step(string create, IReadOnlyList<object> triggers, IReadOnlyDictionary<SettingKey, string?> values,
        IReadOnlyList<SettingKey> settings, Dictionary<string, SecretInput> secrets, string? update = null, string? delete = null)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in SettingKeys.All.Where(k => !k.IsSecret))
        {
            env[key.EnvironmentVariable] = settings.Contains(key) ? values[key] ?? string.Empty : string.Empty;
        }

        foreach (var variable in new[] { SettingKeys.Password.EnvironmentVariable, SettingKeys.SshPrivateKey.EnvironmentVariable })
        {
            if (!secrets.ContainsKey(variable))
            {
                env[variable] = string.Empty;
            }
        }

        return new CommandStep
        {
            Create = create,
            Update = update,
            Delete = delete,
            Triggers = triggers,
            Environment = env,
            SecretEnvironment = secrets,
            Settings = settings,
        };
    }

    private static Dictionary<string, SecretInput> Secrets(DeployInputs inputs, bool withSshKey)
    {
        var secrets = new Dictionary<string, SecretInput>(StringComparer.Ordinal);
        if (inputs.HasPassword)
        {
            secrets[SettingKeys.Password.EnvironmentVariable] = new SecretInput(SecretInput.Password);
        }

        if (withSshKey && inputs.HasSshPrivateKey)
        {
            secrets[SettingKeys.SshPrivateKey.EnvironmentVariable] = new SecretInput(SecretInput.SshPrivateKey);
        }

        return secrets;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"deploy plan for {Settings.CloneDatabase}: {Resources.Count} resources");
}
