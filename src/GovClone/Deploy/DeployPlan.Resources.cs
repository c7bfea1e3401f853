namespace GovClone.Deploy;

/// <summary>
/// The resources as the engine sees them, with every option the components set (components/*.cs write these
/// options where they create each resource; the Pulumi layer's mock tests hold the two equal, option by option, off
/// the requests the SDK sends the engine).
/// </summary>
public sealed partial class DeployPlan
{
    private static List<PlannedResource> Describe(CloneStackPlan p)
    {
        var list = new List<PlannedResource>
        {
            // --- the clone database, closed to PUBLIC (provider-managed; never dropped nor renamed by the provider) ---
            Component(DatabaseComponent, ResourceTypes.CloneDatabase,
                "the clone database as a Pulumi resource (pulumi refresh sees an out-of-band drop) and its PUBLIC revoke",
                // Named "clone" before issue 24 (that name is the clone component's now).
                aliases: [new PlannedAlias(Name: "clone")]),
            new()
            {
                Name = Provider,
                Type = ResourceTypes.PostgresProvider,
                Parent = DatabaseComponent,
                Purpose = "the PostgreSQL provider, built from govclone:host/port/user/sslMode and the password (through the tunnel for ssh)",
                Inputs = p.Database.Server,
            },
            new()
            {
                Name = Database,
                Type = ResourceTypes.Database,
                Parent = DatabaseComponent,
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
                Inputs = p.Database.Database,
            },
            new()
            {
                Name = PublicRevoked,
                Type = ResourceTypes.Grant,
                Parent = DatabaseComponent,
                Provider = Provider,
                DependsOn = [Database],
                RetainOnDelete = true,
                Purpose = "CONNECT and TEMPORARY revoked from PUBLIC (an empty privilege list); the clone lever revokes them too",
                Inputs = p.Database.PublicRevoked,
            },

            // --- the clone itself ---
            Component(Clone, ResourceTypes.Clone,
                "the clone: govclone clone converges it to a complete clone of the configured generation; govclone drop removes it",
                aliases: [new PlannedAlias("dump-restore", ResourceTypes.DumpRestore)]),
            Command(CloneCommand, Clone, p.Clone.Converge,
                "govclone clone under the run lock: copies nothing when the clone is complete and of this generation, re-clones when the generation differs (and, replaced, when the masking does), drops a template govclone:retainTemplate false no longer wants; Delete: govclone drop (clone and template, under the lock)",
                dependsOn: [Database, PublicRevoked],
                deleteBeforeReplace: true,
                aliases: [new PlannedAlias("dump-restore-pg-dump-psql")],
                createTimeout: TimeSpan.FromHours(2), updateTimeout: TimeSpan.FromHours(2), deleteTimeout: TimeSpan.FromMinutes(30)),
            Command(RetiredTemplateDrop, Clone, p.Clone.RetiredTemplateDrop,
                "an echo, kept so stacks made before the levers forget their template Command's Delete (it dropped the template outside the run lock); govclone drop drops the template now",
                dependsOn: [Database],
                retainOnDelete: true,
                aliases: [new PlannedAlias("dump-restore-retained-template"), new PlannedAlias("dump-restore-retained-template", ResourceTypes.RemoteCommand)]),

            // --- the seeded state ---
            Component(Governance, ResourceTypes.SeededState,
                "the seeded governance state: govclone seed --profile P converges the clone to the profile; removal changes nothing"),
            Command(SeedCommand, Governance, p.SeededState.Seed,
                "govclone seed --profile P under the run lock (idempotent); a re-clone (cloneGeneration) replaces it so the fresh clone is seeded; no Delete: removal never resets",
                dependsOn: [CloneCommand],
                deleteBeforeReplace: true,
                // Earlier versions named it by profile, and ran it over Pulumi's own ssh when a key was set.
                aliases:
                [
                    new PlannedAlias("governance-committed"), new PlannedAlias("governance-baseline"),
                    new PlannedAlias("governance-committed", ResourceTypes.RemoteCommand), new PlannedAlias("governance-baseline", ResourceTypes.RemoteCommand),
                ]),
        };

        // --- compaction, once per compactGeneration ---
        var beforeSuite = new List<string> { SeedCommand };
        if (p.Compaction is { } compaction)
        {
            list.Add(Component(Compaction, ResourceTypes.Compaction, "VACUUM (FULL, ANALYZE) of the clone once per govclone:compactGeneration"));
            list.Add(Command(CompactCommand, Compaction, compaction.Compact,
                "govclone compact under the run lock, when created (a new compactGeneration replaces it); an update (the connection changed) runs nothing; no Delete",
                dependsOn: [SeedCommand]));
            beforeSuite.Add(CompactCommand);
        }

        // --- the regression suite, every run ---
        list.Add(Component(Suite, ResourceTypes.RegressionSuite,
            "govclone up on every pulumi up: converges whatever drifted (no-op when current), runs the suite, fingerprints production before and after"));
        list.Add(Command(SuiteCommand, Suite, p.RegressionSuite.Up,
            "govclone up then govclone status under the run lock, replaced on every run (a per-run trigger); their JSON results are the stack outputs' source",
            dependsOn: beforeSuite,
            aliases: [new PlannedAlias("regression-suite-run")]));
        return list;
    }

    private static List<PlannedResource> Describe(BranchStackPlan p) =>
    [
        Component(Branch, ResourceTypes.Branch,
            $"the branch {p.Branch.Name.Database}: a copy of the retained template of {p.Branch.Parent}, seeded, under its own lock; pulumi destroy drops it"),
        Command(BranchCommand, Branch, p.Branch.Create,
            "govclone branch create under the branch's lock: copies the retained template when the branch is absent or incomplete, seeds it to the profile, runs the suite; Delete: govclone branch drop",
            dependsOn: [],
            deleteBeforeReplace: true,
            createTimeout: TimeSpan.FromHours(1), updateTimeout: TimeSpan.FromHours(1), deleteTimeout: TimeSpan.FromMinutes(30)),
        Component(BranchSuite, ResourceTypes.BranchSuite,
            "govclone branch create on every pulumi up: converges the branch (seeds it when the suite drifted) and runs the suite on it"),
        Command(BranchSuiteCommand, BranchSuite, p.Suite.Run,
            "govclone branch create under the branch's lock, replaced on every run (a per-run trigger); its JSON result is the stack outputs' source; no Delete",
            dependsOn: [BranchCommand]),
    ];

    private static PlannedResource Component(string name, string type, string purpose, IReadOnlyList<PlannedAlias>? aliases = null) =>
        new() { Name = name, Type = type, Purpose = purpose, Aliases = aliases ?? [] };

    private static PlannedResource Command(string name, string parent, CommandStep step, string purpose, IReadOnlyList<string> dependsOn,
        bool deleteBeforeReplace = false, bool retainOnDelete = false, IReadOnlyList<PlannedAlias>? aliases = null,
        TimeSpan? createTimeout = null, TimeSpan? updateTimeout = null, TimeSpan? deleteTimeout = null) =>
        new()
        {
            Name = name,
            Type = ResourceTypes.LocalCommand,
            Parent = parent,
            DependsOn = dependsOn,
            DeleteBeforeReplace = deleteBeforeReplace,
            RetainOnDelete = retainOnDelete,
            Aliases = aliases ?? [],
            // The environment holds the secrets: the engine stores the provider's echo of it as a secret too.
            AdditionalSecretOutputs = ["environment"],
            CreateTimeout = createTimeout,
            UpdateTimeout = updateTimeout,
            DeleteTimeout = deleteTimeout,
            Inputs = step,
            Purpose = purpose,
        };
}
