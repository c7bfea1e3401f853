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
/// The whole Pulumi deployment, Pulumi-free: every resource's name, type, parent, dependencies, options and
/// inputs, in registration order (each after what it depends on). The Pulumi program only instantiates it
/// (components/), the core's tests check it, the transition replays and the fault suite run its Command texts.
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
    // Resource names. They never contain a config value (a value in a name turns a config change into a
    // delete of the old resource, whose Delete then runs after the new config was applied).
    public const string Clone = "clone";
    public const string Provider = "clone-server";
    public const string Database = "clone-database";
    public const string PublicRevoked = "clone-no-public-connect";
    public const string DumpRestore = "dump-restore";
    public const string CloneCommand = "dump-restore-pg-dump-psql";
    public const string RetainedTemplate = "dump-restore-retained-template";
    public const string Governance = "governance";
    public const string SeedCommand = "governance-seed";
    public const string Compaction = "compact";
    public const string CompactCommand = "compact-vacuum-full";
    public const string Suite = "regression-suite";
    public const string SuiteCommand = "regression-suite-run";

    /// <summary>The CLI as the Commands call it: the repo's wrapper, relative to the Pulumi project directory (the Command's working directory).</summary>
    public const string Cli = "./govclone";

    /// <summary>The CLI switch that makes a lever read no stack file: its settings come from the Command's environment only.</summary>
    public const string NoStackFileSwitch = "--no-stack-file";

    /// <summary>What the retained-template Command runs (see <see cref="RetainedTemplate"/> in the plan).</summary>
    public const string RetainedTemplateNote = "echo 'govclone: the retained template is dropped with the clone by dump-restore-pg-dump-psql (govclone drop); nothing to run here'";

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
        SettingKeys.CloneGeneration, SettingKeys.CloneMethod, SettingKeys.RetainTemplate, SettingKeys.KeepSpare, SettingKeys.ToastCompression,
        SettingKeys.CloneJobs, SettingKeys.MaintenanceWorkMem, SettingKeys.StreamTableMinBytes, SettingKeys.HostFreeBytes,
    ];

    /// <summary>Settings a change of which replaces the clone Command (a different clone family): its Delete drops the old one first.</summary>
    public static readonly IReadOnlyList<SettingKey> CloneIdentityTriggers =
    [
        SettingKeys.CloneDatabase, SettingKeys.TemplateDatabase, SettingKeys.SourceDatabase,
    ];

    private readonly Dictionary<string, PlannedResource> _byName;

    private DeployPlan(GovCloneSettings settings, DeployInputs inputs, IReadOnlyList<PlannedResource> resources)
    {
        Settings = settings;
        DeployInputs = inputs;
        Resources = resources;
        _byName = resources.ToDictionary(r => r.Name, StringComparer.Ordinal);
    }

    public GovCloneSettings Settings { get; }

    public DeployInputs DeployInputs { get; }

    /// <summary>Every resource, in registration order.</summary>
    public IReadOnlyList<PlannedResource> Resources { get; }

    public PlannedResource this[string name] => _byName.TryGetValue(name, out var r) ? r : throw new KeyNotFoundException($"the plan has no resource '{name}'");

    public bool Contains(string name) => _byName.ContainsKey(name);

    public IEnumerable<PlannedResource> ChildrenOf(string component) => Resources.Where(r => r.Parent == component);

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
        var resources = new List<PlannedResource>();

        // --- the clone database, closed to PUBLIC (provider-managed; never dropped by the provider) ---
        resources.Add(Component(Clone, ResourceTypes.CloneDatabase,
            "the clone database as a Pulumi resource (pulumi refresh sees an out-of-band drop) and its PUBLIC revoke",
            new Dictionary<string, object?> { ["name"] = s.CloneDatabase }));
        resources.Add(new PlannedResource
        {
            Name = Provider,
            Type = ResourceTypes.PostgresProvider,
            Parent = Clone,
            Purpose = "the PostgreSQL provider, built from govclone:host/port/user/sslMode and the password (through the tunnel for ssh)",
            Inputs = new Dictionary<string, object?>
            {
                ["host"] = s.Host,
                ["port"] = s.Port,
                ["username"] = s.User,
                ["password"] = inputs.HasPassword ? new SecretInput(SecretInput.Password) : null,
                ["database"] = s.MaintenanceDatabase,
                ["sslmode"] = s.SslMode,
                ["connectTimeout"] = 15,
            },
        });
        resources.Add(new PlannedResource
        {
            Name = Database,
            Type = ResourceTypes.Database,
            Parent = Clone,
            Provider = Provider,
            // The provider's DROP runs outside the run lock and without IF EXISTS: the clone is dropped only by
            // `govclone drop` (the clone Command's Delete), under the lock. RetainOnDelete also keeps a stack that
            // still holds this resource from dropping the clone when it leaves the program, and makes the delete half
            // of a replacement run nothing.
            RetainOnDelete = true,
            // A new govclone:cloneDatabase is a new clone family, not the old clone renamed. The provider does not
            // replace on `name` (terraform-provider-postgresql's postgresql_database.name has no ForceNew): it would
            // update in place, `ALTER DATABASE old RENAME TO new`, outside the run lock, failing while anyone is
            // connected, and hand the old clone to the new name before `govclone drop` of the old family runs. So
            // `name` replaces: the provider creates the new, empty database; the clone Command (replaced, delete
            // first) drops the old family by its old name under the lock, then clones into the new one; the old
            // Database's delete (create-first, at the end of the update) runs nothing (retainOnDelete).
            ReplaceOnChanges = ["name"],
            Purpose = "the clone database (created empty on a new stack; the clone lever fills, re-creates and drops it under the lock)",
            Inputs = new Dictionary<string, object?> { ["name"] = s.CloneDatabase },
        });
        resources.Add(new PlannedResource
        {
            Name = PublicRevoked,
            Type = ResourceTypes.Grant,
            Parent = Clone,
            Provider = Provider,
            DependsOn = [Database],
            RetainOnDelete = true,
            Purpose = "CONNECT and TEMPORARY revoked from PUBLIC (an empty privilege list); the clone lever revokes them too",
            Inputs = new Dictionary<string, object?>
            {
                ["database"] = s.CloneDatabase,
                ["role"] = "public",
                ["objectType"] = "database",
                ["privileges"] = Array.Empty<string>(),
            },
        });

        // --- the clone itself ---
        resources.Add(Component(DumpRestore, ResourceTypes.DumpRestore,
            "the clone: govclone clone converges it to a complete clone of the configured generation; govclone drop removes it",
            new Dictionary<string, object?>
            {
                ["generation"] = s.CloneGeneration,
                ["templateDatabase"] = s.TemplateDatabase,
                ["cloneMethod"] = SettingValues.Word(s.CloneMethod),
                ["retainTemplate"] = values[SettingKeys.RetainTemplate],
            }));
        var cloneSettings = IdentitySettings.Concat(TransportSettings).Concat(CloneSettings).ToList();
        resources.Add(CommandResource(CloneCommand, DumpRestore,
            "govclone clone under the run lock: copies nothing when the clone is complete and of this generation, re-clones when the generation differs, drops a template govclone:retainTemplate false no longer wants; Delete: govclone drop (clone and template, under the lock)",
            new CommandStep
            {
                Create = Line("clone", [], values, SettingKeys.CloneDatabase, SettingKeys.SourceDatabase, SettingKeys.CloneGeneration,
                    SettingKeys.CloneMethod, SettingKeys.RetainTemplate, SettingKeys.Transport),
                Delete = Line("drop", [], values, SettingKeys.CloneDatabase, SettingKeys.TemplateDatabase),
                // A different clone, template or source is a different clone family: replaced, and (delete
                // before replace) the old family is dropped before the new one is made, so the old Delete can never
                // drop what the new config made (a template name two clones share, or the same clone re-read from
                // another source). Every other setting is an update: the lever runs again and converges.
                Triggers = [.. CloneIdentityTriggers.Select(k => (object)$"{k.Name}={values[k]}")],
                Environment = Environment(values, cloneSettings),
                SecretEnvironment = secretsForClone,
                Settings = cloneSettings,
            },
            dependsOn: [Database, PublicRevoked],
            deleteBeforeReplace: true,
            createTimeout: TimeSpan.FromHours(2), updateTimeout: TimeSpan.FromHours(2), deleteTimeout: TimeSpan.FromMinutes(30)));
        resources.Add(CommandResource(RetainedTemplate, DumpRestore,
            "kept under its old name so existing stacks forget its old Delete (it dropped the template outside the run lock); govclone drop drops the template now",
            new CommandStep
            {
                Create = RetainedTemplateNote,
                Environment = new Dictionary<string, string>(StringComparer.Ordinal),
                Settings = [],
            },
            dependsOn: [Database],
            retainOnDelete: true,
            aliases: [new PlannedAlias(RetainedTemplate, ResourceTypes.RemoteCommand)]));

        // --- the seeded state ---
        resources.Add(Component(Governance, ResourceTypes.SeededState,
            "the seeded governance state: govclone seed --profile P converges the clone to the profile; removal changes nothing",
            new Dictionary<string, object?> { ["profile"] = profile }));
        var seedSettings = IdentitySettings.Append(SettingKeys.SeedProfile).ToList();
        resources.Add(CommandResource(SeedCommand, Governance,
            "govclone seed --profile P under the run lock (idempotent); a re-clone (cloneGeneration) replaces it so the fresh clone is seeded; no Delete: removal never resets",
            new CommandStep
            {
                Create = Line("seed", ["--profile", profile], values, SettingKeys.CloneDatabase),
                // The generation as the number earlier versions used, so an upgraded stack updates this Command in
                // place (its old reset Delete is then forgotten, never run).
                Triggers = [s.CloneGeneration],
                Environment = Environment(values, seedSettings),
                SecretEnvironment = secretsForSql,
                Settings = seedSettings,
            },
            dependsOn: [CloneCommand],
            deleteBeforeReplace: true,
            aliases:
            [
                // Earlier versions named it by profile, and ran it over Pulumi's own ssh when a key was set.
                new PlannedAlias("governance-committed"), new PlannedAlias("governance-baseline"),
                new PlannedAlias("governance-committed", ResourceTypes.RemoteCommand), new PlannedAlias("governance-baseline", ResourceTypes.RemoteCommand),
            ]));

        // --- compaction, once per compactGeneration ---
        var afterSeed = new List<string> { SeedCommand };
        if (s.CompactGeneration > 0)
        {
            resources.Add(Component(Compaction, ResourceTypes.Compaction,
                "VACUUM (FULL, ANALYZE) of the clone once per govclone:compactGeneration",
                new Dictionary<string, object?> { ["generation"] = s.CompactGeneration }));
            resources.Add(CommandResource(CompactCommand, Compaction,
                "govclone compact under the run lock, when created (a new compactGeneration replaces it); an update (the connection changed) runs nothing; no Delete",
                new CommandStep
                {
                    Create = Line("compact", [], values, SettingKeys.CloneDatabase),
                    Update = CompactionUpdateNote,
                    Triggers = [s.CompactGeneration],
                    Environment = Environment(values, IdentitySettings),
                    SecretEnvironment = secretsForSql,
                    Settings = IdentitySettings,
                },
                dependsOn: [SeedCommand]));
            afterSeed.Add(CompactCommand);
        }

        // --- the regression suite, every run ---
        resources.Add(Component(Suite, ResourceTypes.RegressionSuite,
            "govclone up on every pulumi up: converges whatever drifted (no-op when current), runs the suite, fingerprints production before and after",
            new Dictionary<string, object?> { ["profile"] = profile }));
        var all = SettingKeys.All.Where(k => !k.IsSecret).ToList();
        resources.Add(CommandResource(SuiteCommand, Suite,
            "govclone up under the run lock, replaced on every run (a per-run trigger); its JSON result is the stack outputs' source",
            new CommandStep
            {
                // up, then status: the suite's verdict and production's fingerprint, then the live facts and the
                // decision; their JSON results are the stack outputs (StackOutputs.FromSuite).
                Create = Line("up", [], values, SettingKeys.CloneDatabase, SettingKeys.SeedProfile, SettingKeys.CloneGeneration)
                    + " && " + Line("status", [], values, confirm: false),
                Triggers = [inputs.RunId],
                Environment = Environment(values, all),
                SecretEnvironment = secretsForClone,
                Settings = all,
            },
            dependsOn: afterSeed));

        return new DeployPlan(s, inputs, resources);
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

    private static Dictionary<string, string> Environment(IReadOnlyDictionary<SettingKey, string?> values, IReadOnlyCollection<SettingKey> used)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in SettingKeys.All.Where(k => !k.IsSecret))
        {
            env[key.EnvironmentVariable] = used.Contains(key) ? values[key] ?? string.Empty : string.Empty;
        }

        return env;
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

    private static PlannedResource Component(string name, string type, string purpose, IReadOnlyDictionary<string, object?> outputs) =>
        new() { Name = name, Type = type, Purpose = purpose, Outputs = outputs };

    private static PlannedResource CommandResource(string name, string parent, string purpose, CommandStep step, IReadOnlyList<string> dependsOn,
        bool deleteBeforeReplace = false, bool retainOnDelete = false, IReadOnlyList<PlannedAlias>? aliases = null,
        TimeSpan? createTimeout = null, TimeSpan? updateTimeout = null, TimeSpan? deleteTimeout = null)
    {
        // Secret variables left unset are written empty, so the caller's own never reach the lever.
        var env = new Dictionary<string, string>(step.Environment, StringComparer.Ordinal);
        foreach (var variable in new[] { SettingKeys.Password.EnvironmentVariable, SettingKeys.SshPrivateKey.EnvironmentVariable })
        {
            if (step.Environment.Count > 0 && !step.SecretEnvironment.ContainsKey(variable))
            {
                env[variable] = string.Empty;
            }
        }

        step = step with { Environment = env };
        var inputs = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["create"] = step.Create,
            ["triggers"] = step.Triggers,
            ["logging"] = "stdoutAndStderr",
            ["addPreviousOutputInEnv"] = false,
        };
        if (step.Update is not null)
        {
            inputs["update"] = step.Update;
        }

        if (step.Delete is not null)
        {
            inputs["delete"] = step.Delete;
        }

        return new PlannedResource
        {
            Name = name,
            Type = ResourceTypes.LocalCommand,
            Parent = parent,
            DependsOn = dependsOn,
            DeleteBeforeReplace = deleteBeforeReplace,
            RetainOnDelete = retainOnDelete,
            Aliases = aliases ?? [],
            AdditionalSecretOutputs = ["environment"],
            CreateTimeout = createTimeout,
            UpdateTimeout = updateTimeout,
            DeleteTimeout = deleteTimeout,
            Inputs = inputs,
            Command = step,
            Purpose = purpose,
        };
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"deploy plan for {Settings.CloneDatabase}: {Resources.Count} resources");
}
