using GovClone.Configuration;
using GovClone.Deploy;
using GovClone.Engine;
using GovClone.Processes;
using GovClone.Sql;
using GovClone.Transport;

namespace GovClone.Tests.Support.Replay;

/// <summary>
/// The Pulumi program as it was before the Commands ran govclone levers (main at 9c17669, components/*.cs): each
/// step a bash script on <c>bash -s</c> over the transport, no run lock; the seeded state's Command named by the
/// profile (<c>governance-committed</c> / <c>governance-baseline</c>) with the reset script as its Delete (its clone
/// step runs today's engine bundle: the engine has moved into files since, the step's shape has not). Kept as
/// a model so a test can replay it and show where its profile switch ends; the texts come from the same core
/// functions that program called.
/// </summary>
public static class LegacyProgram
{
    public static IReadOnlyList<EngineResource> Of(GovCloneSettings s, string password, string runId)
    {
        ArgumentNullException.ThrowIfNull(s);
        var t = new ServerTransport(s, passwordInEnvironment: true);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in t.Environment("govclone-pulumi"))
        {
            if (v is not null && k != "PGPASSWORD")
            {
                env[k] = v;
            }
        }

        env["PGPASSWORD"] = password;
        var list = new List<EngineResource>();
        string Urn(string name, string type, string? parentType) => PlannedResource.UrnOf(name, type, parentType, PlanResources.Stack, PlanResources.Project);
        EngineResource Component(string name, string type) => new() { Urn = Urn(name, type, null), Name = name, Type = type };
        EngineResource Command(string name, EngineResource parent, string stdin, object[] triggers, IReadOnlyList<string> deps,
            string? delete = null, bool dbr = false, string? deletedWith = null)
        {
            var inputs = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["create"] = t.BashCommandLine,
                ["stdin"] = stdin,
                ["triggers"] = triggers,
                ["logging"] = "stdoutAndStderr",
                ["addPreviousOutputInEnv"] = false,
                ["interpreter"] = new[] { "/bin/sh", "-c" },
            };
            if (delete is not null)
            {
                inputs["delete"] = ShellQuote.Join(t.Argv("bash", "-c", delete));
            }

            return new EngineResource
            {
                Urn = Urn(name, ResourceTypes.LocalCommand, parent.Type),
                Name = name,
                Type = ResourceTypes.LocalCommand,
                ParentUrn = parent.Urn,
                Dependencies = deps,
                Inputs = inputs,
                Environment = env,
                DeleteBeforeReplace = dbr,
                DeletedWith = deletedWith,
            };
        }

        var production = Component("production", "govclone:production:Fingerprint");
        var read = Command("production-read", production, DeployScripts.Fingerprint(s, t), [runId], []);
        var clone = Component("clone", ResourceTypes.CloneDatabase);
        var server = new EngineResource
        {
            Urn = Urn("clone-server", ResourceTypes.PostgresProvider, clone.Type),
            Name = "clone-server",
            Type = ResourceTypes.PostgresProvider,
            ParentUrn = clone.Urn,
            // A provider's configuration reaches the engine as strings.
            Inputs = new Dictionary<string, object?>
            {
                ["host"] = s.Host,
                ["port"] = s.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["username"] = s.User,
                ["database"] = s.MaintenanceDatabase,
                ["sslmode"] = s.SslMode,
                ["connectTimeout"] = "15",
            },
            SecretInputs = new Dictionary<string, string?> { ["password"] = password },
        };
        var database = new EngineResource
        {
            Urn = Urn("clone-database", ResourceTypes.Database, clone.Type),
            Name = "clone-database",
            Type = ResourceTypes.Database,
            ParentUrn = clone.Urn,
            Dependencies = [server.Urn],
            Inputs = new Dictionary<string, object?> { ["name"] = s.CloneDatabase },
        };
        var grant = new EngineResource
        {
            Urn = Urn("clone-no-public-connect", ResourceTypes.Grant, clone.Type),
            Name = "clone-no-public-connect",
            Type = ResourceTypes.Grant,
            ParentUrn = clone.Urn,
            Dependencies = [server.Urn, database.Urn],
            Inputs = new Dictionary<string, object?> { ["database"] = s.CloneDatabase, ["role"] = "public", ["objectType"] = "database", ["privileges"] = Array.Empty<string>() },
            DeletedWith = database.Urn,
        };
        var dumpRestore = Component("dump-restore", ResourceTypes.DumpRestore);
        var cloneCmd = Command("dump-restore-pg-dump-psql", dumpRestore, GovClone.Engine.EngineScript.Clone(s, t), [s.CloneGeneration],
            [database.Urn, grant.Urn, read.Urn], dbr: true, deletedWith: database.Urn);
        var template = Command("dump-restore-retained-template", dumpRestore, "exit 0\n", [], [database.Urn], delete: DeployScripts.DropTemplate(s, t));
        var governance = Component("governance", ResourceTypes.SeededState);
        var reset = ServerScripts.Psql(t, s.CloneDatabase, SqlScripts.Get(SqlScripts.ResetInPlace));
        var seedScript = s.SeedProfile == SeedProfile.Committed ? ServerScripts.Psql(t, s.CloneDatabase, SqlScripts.Get(SqlScripts.SeedCommitted)) : reset;
        var seed = Command($"governance-{s.SeedProfile.ToString().ToLowerInvariant()}", governance, seedScript, [s.CloneGeneration], [cloneCmd.Urn],
            delete: reset, dbr: true, deletedWith: database.Urn);
        var suite = Component("regression-suite", ResourceTypes.RegressionSuite);
        var suiteCmd = Command("regression-suite-run", suite, DeployScripts.SuiteAndReport(s, t, s.SeedProfile), [runId], [seed.Urn]);
        list.AddRange([production, read, clone, server, database, grant, dumpRestore, cloneCmd, template, governance, seed, suite, suiteCmd]);
        return list;
    }
}
