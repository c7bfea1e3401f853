using System.Text.Json;
using System.Text.Json.Nodes;
using GovClone.Tests.Support.Replay;

namespace GovClone.StandIns;

/// <summary>
/// A stack's state (<see cref="StackState"/>) as JSON in the stand-in's backend. Inputs read back are plain CLR values
/// (string, long or double, bool, lists, dictionaries), which <see cref="EngineResource.Canonical"/> compares equal to
/// the plan's own, so an unchanged program diffs as unchanged after a round trip.
/// </summary>
public static class StateJson
{
    public static string Write(StackState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var entries = new JsonArray();
        foreach (var e in state.Entries)
        {
            var r = e.Resource;
            entries.Add(new JsonObject
            {
                ["pendingDelete"] = e.PendingDelete,
                ["urn"] = r.Urn,
                ["name"] = r.Name,
                ["type"] = r.Type,
                ["parentUrn"] = r.ParentUrn,
                ["dependencies"] = new JsonArray([.. r.Dependencies.Select(d => (JsonNode)d)]),
                ["inputs"] = JsonSerializer.SerializeToNode(r.Inputs),
                ["environment"] = r.Environment is null ? null : JsonSerializer.SerializeToNode(r.Environment),
                ["secretInputs"] = JsonSerializer.SerializeToNode(r.SecretInputs),
                ["deleteBeforeReplace"] = r.DeleteBeforeReplace,
                ["retainOnDelete"] = r.RetainOnDelete,
                ["deletedWith"] = r.DeletedWith,
                ["aliases"] = new JsonArray([.. r.Aliases.Select(a => JsonSerializer.SerializeToNode(a))]),
                ["replaceOnChanges"] = new JsonArray([.. r.ReplaceOnChanges.Select(d => (JsonNode)d)]),
            });
        }

        return new JsonObject { ["resources"] = entries }.ToJsonString();
    }

    public static StackState Read(string json)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        var entries = new List<StateEntry>();
        foreach (var node in root["resources"]!.AsArray())
        {
            var o = node!.AsObject();
            var resource = new EngineResource
            {
                Urn = (string)o["urn"]!,
                Name = (string)o["name"]!,
                Type = (string)o["type"]!,
                ParentUrn = (string?)o["parentUrn"],
                Dependencies = Strings(o["dependencies"]),
                Inputs = ((Dictionary<string, object?>?)Plain(o["inputs"])) ?? [],
                Environment = o["environment"] is JsonObject env ? env.ToDictionary(kv => kv.Key, kv => (string)kv.Value!) : null,
                SecretInputs = o["secretInputs"]!.AsObject().ToDictionary(kv => kv.Key, kv => (string?)kv.Value),
                DeleteBeforeReplace = (bool)o["deleteBeforeReplace"]!,
                RetainOnDelete = (bool)o["retainOnDelete"]!,
                DeletedWith = (string?)o["deletedWith"],
                Aliases = o["aliases"]?.AsArray().Select(a => a.Deserialize<EngineAlias>()!).ToList() ?? [],
                ReplaceOnChanges = Strings(o["replaceOnChanges"]),
            };
            entries.Add(new StateEntry(resource, (bool)o["pendingDelete"]!));
        }

        return new StackState(entries);
    }

    private static List<string> Strings(JsonNode? node) => node?.AsArray().Select(n => (string)n!).ToList() ?? [];

    private static object? Plain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(kv => kv.Key, kv => Plain(kv.Value)),
        JsonArray a => a.Select(Plain).ToList(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => (string)v!,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => (bool)v!,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v => (double)v!,
        _ => throw new JsonException("unexpected JSON node " + node.GetType().Name),
    };
}
