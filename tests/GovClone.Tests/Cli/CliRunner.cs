using System.Globalization;
using System.Text.Json.Nodes;
using GovClone.Cli;
using GovClone.Configuration;
using GovClone.Tests.Support;

namespace GovClone.Tests.Cli;

/// <summary>`govclone` in-process: no terminal (so destructive levers need --yes), help wrapped at 80 columns.</summary>
public static class CliRunner
{
    public static string RepoRoot { get; } = SettingsLoader.FindProjectDirectory(AppContext.BaseDirectory);

    public static async Task<(int Exit, string Out, string Err)> RunAsync(IReadOnlyDictionary<string, string> env, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await GovCloneCli.RunAsync(args, new CliHost(stdout, stderr, RepoRoot, env) { IsTerminal = false, IsInteractive = false, Width = 80 });
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// stdout of a --json run: every line one JSON object with an "event" (NDJSON), the last one the result
    /// document of <paramref name="lever"/>. Returns the result and the events before it.
    /// </summary>
    public static (JsonObject Result, IReadOnlyList<JsonObject> Events) Ndjson(string stdout, string lever)
    {
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        var objects = lines.Select(l => Assert.IsType<JsonObject>(JsonNode.Parse(l))).ToList();
        Assert.All(objects, o => Assert.False(string.IsNullOrEmpty((string?)o["event"])));
        var result = objects[^1];
        Assert.Equal("result", (string?)result["event"]);
        Assert.Equal(lever, (string?)result["lever"]);
        Assert.Equal((int)result["exitCode"]! == 0, (bool)result["ok"]!);
        Assert.DoesNotContain(objects[..^1], o => (string?)o["event"] == "result");
        return (result, objects[..^1]);
    }
}

/// <summary>A CLI test with its own clone on the shared server, reached through GOVCLONE_* variables.</summary>
public abstract class CliTestBase : CloneTestBase
{
    protected Dictionary<string, string> Env => new()
    {
        ["GOVCLONE_HOST"] = Pg.Server.Host,
        ["GOVCLONE_PORT"] = Pg.Server.Port.ToString(CultureInfo.InvariantCulture),
        ["GOVCLONE_TRANSPORT"] = "local",
        ["GOVCLONE_SSL_MODE"] = "disable",
        ["GOVCLONE_PG_BIN_DIR"] = Pg.Server.BinDirectory,
        ["GOVCLONE_CLONE_DATABASE"] = Clone,
        ["GOVCLONE_PASSWORD"] = Pg.Password,
    };

    protected async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var (exit, o, e) = await CliRunner.RunAsync(Env, args);
        Assert.DoesNotContain(Pg.Password, o, StringComparison.Ordinal);
        Assert.DoesNotContain(Pg.Password, e, StringComparison.Ordinal);
        return (exit, o, e);
    }

    /// <summary>Runs a lever with --json and returns its result document (after checking the whole stdout is NDJSON).</summary>
    protected async Task<JsonObject> JsonAsync(string lever, params string[] args)
    {
        var (exit, o, e) = await RunAsync([.. lever.Split(' '), .. args, "--json"]);
        var (result, _) = CliRunner.Ndjson(o, lever.Split(' ')[0]);
        Assert.True(exit == (int)result["exitCode"]!, $"exit {exit}, document says {result["exitCode"]}; stderr: {e}");
        return result;
    }

    protected async Task<IReadOnlyDictionary<string, long>> MetricValuesAsync() =>
        (await MetricsAsync()).ToDictionary(m => m.Name, m => m.Value);
}
