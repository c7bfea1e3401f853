using System.Globalization;
using System.Text.Json;
using GovClone.Configuration;
using GovClone.Deploy;

namespace GovClone.Tests.Support.Replay;

/// <summary>
/// The program as released before issue 24 (main at 11b7d60: components instantiating <c>PlannedResources</c>), whose
/// registrations every existing stack's state holds: the clone database's component named <c>clone</c>, the clone
/// lever's component <c>dump-restore</c> (<c>govclone:clone:DumpRestore</c>) with its Commands
/// <c>dump-restore-pg-dump-psql</c> and <c>dump-restore-retained-template</c>, the suite's Command
/// <c>regression-suite-run</c>. <see cref="Of"/> models it from today's plan: the same inputs, options and order under
/// those names (and the retired echo's old text); <see cref="Snapshot"/> is what that program really registered for
/// a few shapes (<c>released-program.json</c>, written by <see cref="PlanResources.Of"/> at 11b7d60, and checked field by
/// field against the registrations 11b7d60's Pulumi program made under Pulumi 3.112.1's mocks, options read off the
/// SDK's RegisterResourceRequests: equal), and a test holds the model equal to it, so an upgrade replayed from the
/// model is the upgrade of a real stack.
/// </summary>
public static class ReleasedProgram
{
    /// <summary>What the released retained-template Command ran.</summary>
    public const string RetainedTemplateNote = "echo 'govclone: the retained template is dropped with the clone by dump-restore-pg-dump-psql (govclone drop); nothing to run here'";

    /// <summary>Today's name → the released name and type (null: the same type) of every resource that was renamed.</summary>
    public static readonly IReadOnlyDictionary<string, (string Name, string? Type)> Renamed = new Dictionary<string, (string, string?)>(StringComparer.Ordinal)
    {
        [DeployPlan.DatabaseComponent] = ("clone", null),
        [DeployPlan.Clone] = ("dump-restore", ResourceTypes.DumpRestore),
        [DeployPlan.CloneCommand] = ("dump-restore-pg-dump-psql", null),
        [DeployPlan.RetiredTemplateDrop] = ("dump-restore-retained-template", null),
        [DeployPlan.SuiteCommand] = ("regression-suite-run", null),
    };

    /// <summary>The settings of each shape <c>released-program.json</c> holds (over the nonprod stack's: ssh through contabo); password <c>pw-1</c>, ssh key <c>KEY</c>.</summary>
    public static readonly IReadOnlyDictionary<string, (IReadOnlyDictionary<string, string?> Overrides, bool SshKey, string? Stack)> Shapes =
        new Dictionary<string, (IReadOnlyDictionary<string, string?>, bool, string?)>(StringComparer.Ordinal)
        {
            ["nonprod"] = (new Dictionary<string, string?>(), false, null),
            ["compaction-sshKey"] = (new Dictionary<string, string?> { ["compactGeneration"] = "2", ["sshUser"] = "deploy" }, true, null),
            ["local-baseline"] = (new Dictionary<string, string?> { ["transport"] = "local", ["sshHost"] = null, ["seedProfile"] = "baseline", ["cloneGeneration"] = "3", ["retainTemplate"] = "false" }, false, null),
            ["branch-pr-123"] = (new Dictionary<string, string?> { ["branchOf"] = "directus_gov_test_20260602" }, false, "pr-123"),
        };

    public static readonly IReadOnlyDictionary<string, string?> ShapeSecrets = new Dictionary<string, string?> { [SecretInput.Password] = "pw-1", [SecretInput.SshPrivateKey] = "KEY" };

    /// <summary>Today's plan for a shape of <see cref="Shapes"/>, run id <c>run-1</c> (the snapshot's).</summary>
    public static DeployPlan PlanFor(string shape)
    {
        var (overrides, sshKey, stack) = Shapes[shape];
        var raw = new Dictionary<string, string?>
        {
            ["transport"] = "ssh",
            ["sshHost"] = "contabo",
            ["host"] = "127.0.0.1",
            ["port"] = "15432",
            ["sslMode"] = "disable",
        };
        foreach (var (k, v) in overrides)
        {
            raw[k] = v;
        }

        return DeployPlan.For(SettingsParser.Parse(raw), new DeployInputs("run-1", HasPassword: true, HasSshPrivateKey: sshKey, StackName: stack));
    }

    /// <summary>The released program's registrations for <paramref name="plan"/>'s settings, as the engine saw them.</summary>
    public static IReadOnlyList<EngineResource> Of(DeployPlan plan, IReadOnlyDictionary<string, string?> secrets)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var today = PlanResources.Of(plan, secrets);
        var released = new Dictionary<string, string>(StringComparer.Ordinal); // today's URN -> released URN
        var list = new List<EngineResource>();
        foreach (var r in today)
        {
            var (name, type) = Renamed.TryGetValue(r.Name, out var old) ? (old.Name, old.Type ?? r.Type) : (r.Name, r.Type);
            var parentUrn = r.ParentUrn is null ? null : released[r.ParentUrn];
            var parentType = parentUrn is null ? null : EngineModel.TypeOf(parentUrn);
            var urn = PlannedResource.UrnOf(name, type, parentType, PlanResources.Stack, PlanResources.Project);
            released[r.Urn] = urn;
            var inputs = new Dictionary<string, object?>(r.Inputs, StringComparer.Ordinal);
            IReadOnlyList<EngineAlias> aliases = [];
            if (r.Name == DeployPlan.RetiredTemplateDrop)
            {
                inputs["create"] = RetainedTemplateNote;
                aliases = [EngineAlias.Of(PlannedResource.UrnOf(name, ResourceTypes.RemoteCommand, parentType, PlanResources.Stack, PlanResources.Project))];
            }
            else if (r.Name == DeployPlan.SeedCommand)
            {
                aliases = r.Aliases.Select(a => EngineAlias.Of(PlannedResource.UrnOf(a.Name!, a.Type ?? type, parentType, PlanResources.Stack, PlanResources.Project))).ToList();
            }

            list.Add(r with
            {
                Urn = urn,
                Name = name,
                Type = type,
                ParentUrn = parentUrn,
                Dependencies = r.Dependencies.Select(d => released[d]).ToList(),
                Inputs = inputs,
                Aliases = aliases,
            });
        }

        return list;
    }

    /// <summary>What the released program registered for <paramref name="shape"/> (<c>released-program.json</c>).</summary>
    public static IReadOnlyList<EngineResource> Snapshot(string shape)
    {
        var path = Path.Combine(SettingsLoader.FindProjectDirectory(AppContext.BaseDirectory), "tests", "GovClone.TestSupport", "Replay", "released-program.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return [.. doc.RootElement.GetProperty(shape).EnumerateArray().Select(Resource)];
    }

    private static EngineResource Resource(JsonElement e)
    {
        static string? Str(JsonElement e, string p) => e.GetProperty(p).ValueKind == JsonValueKind.Null ? null : e.GetProperty(p).GetString();
        static List<string> Strings(JsonElement e, string p) => [.. e.GetProperty(p).EnumerateArray().Select(x => x.GetString()!)];
        static TimeSpan? Span(JsonElement t, string p) => Str(t, p) is { } s ? TimeSpan.Parse(s, CultureInfo.InvariantCulture) : null;
        var timeouts = e.GetProperty("customTimeouts");
        var environment = e.GetProperty("environment");
        return new EngineResource
        {
            Urn = Str(e, "urn")!,
            Name = Str(e, "name")!,
            Type = Str(e, "type")!,
            ParentUrn = Str(e, "parentUrn"),
            Dependencies = Strings(e, "dependencies"),
            Inputs = e.GetProperty("inputs").EnumerateObject().ToDictionary(p => p.Name, p => Value(p.Value), StringComparer.Ordinal),
            Environment = environment.ValueKind == JsonValueKind.Null ? null : environment.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal),
            SecretInputs = e.GetProperty("secretInputs").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString(), StringComparer.Ordinal),
            DeleteBeforeReplace = e.GetProperty("deleteBeforeReplace").GetBoolean(),
            RetainOnDelete = e.GetProperty("retainOnDelete").GetBoolean(),
            DeletedWith = Str(e, "deletedWith"),
            Aliases = Strings(e, "aliases").Select(EngineAlias.Of).ToList(),
            ReplaceOnChanges = Strings(e, "replaceOnChanges"),
            AdditionalSecretOutputs = Strings(e, "additionalSecretOutputs"),
            CustomTimeouts = timeouts.ValueKind == JsonValueKind.Null ? null : new EngineTimeouts(Span(timeouts, "create"), Span(timeouts, "update"), Span(timeouts, "delete")),
        };
    }

    /// <summary>A JSON value as the plain value the program registered (numbers as double: the engine's diff compares them so).</summary>
    private static object? Value(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => e.EnumerateArray().Select(Value).ToList(),
        JsonValueKind.Null => null,
        _ => throw new FormatException($"released-program.json: a value the program never registered: {e}"),
    };
}
