using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using GovClone.Processes;
using GovClone.Tests.Support;

namespace GovClone.Tests.Workflows.Runner;

/// <summary>One expression's value, as GitHub's evaluator gives it.</summary>
public sealed record ExpressionValue(JsonNode? Value, string Text, bool Truthy);

/// <summary>
/// GitHub Actions expressions, evaluated by GitHub's own implementation (the npm package @actions/expressions, pinned),
/// through expressions.mjs beside this folder: one node process per runner, one request a line. The package is
/// installed on first use into the same cache folder scripts/lint-workflows uses for its npm tools.
/// </summary>
public sealed class Expressions : IAsyncDisposable
{
    public const string Package = "@actions/expressions@0.3.61";

    private readonly Process _node;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private Expressions(Process node) => _node = node;

    public static async Task<Expressions> StartAsync()
    {
        var modules = await InstallAsync();
        var script = Path.Combine(InProcessCli.RepoRoot, "tests", "GovClone.Tests", "Workflows", "expressions.mjs");
        var psi = new ProcessStartInfo("node") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(modules);
        var node = Process.Start(psi) ?? throw new InvalidOperationException("node did not start (the workflow tests need node and npm: apt-get install nodejs npm)");
        _ = node.StandardError.ReadToEndAsync();
        return new Expressions(node);
    }

    /// <summary>Evaluates <paramref name="expression"/> (without <c>${{ }}</c>) in <paramref name="contexts"/>, the job status being <paramref name="status"/>.</summary>
    public async Task<ExpressionValue> EvaluateAsync(string expression, JsonObject contexts, string status = "success")
    {
        var request = new JsonObject { ["expr"] = expression, ["contexts"] = contexts.DeepClone(), ["status"] = status }.ToJsonString();
        await _gate.WaitAsync();
        try
        {
            await _node.StandardInput.WriteLineAsync(request);
            await _node.StandardInput.FlushAsync();
            var line = await _node.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the expression evaluator (node expressions.mjs) ended");
            var answer = JsonNode.Parse(line)!.AsObject();
            if (!(bool)answer["ok"]!)
            {
                throw new InvalidOperationException($"expression '{expression}': {(string?)answer["error"]}");
            }

            return new ExpressionValue(answer["value"]?.DeepClone(), (string)answer["text"]!, (bool)answer["truthy"]!);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A template (<c>text ${{ expr }} text</c>) as GitHub renders it into a string; a whole-string expression keeps its value's text.</summary>
    public async Task<string> RenderAsync(string template, JsonObject contexts, string status = "success")
    {
        ArgumentNullException.ThrowIfNull(template);
        var result = new System.Text.StringBuilder();
        var i = 0;
        while (true)
        {
            var start = template.IndexOf("${{", i, StringComparison.Ordinal);
            if (start < 0)
            {
                result.Append(template, i, template.Length - i);
                return result.ToString();
            }

            var end = template.IndexOf("}}", start, StringComparison.Ordinal);
            if (end < 0)
            {
                throw new InvalidOperationException($"unclosed expression in '{template}'");
            }

            result.Append(template, i, start - i);
            result.Append((await EvaluateAsync(template[(start + 3)..end].Trim(), contexts, status)).Text);
            i = end + 2;
        }
    }

    private static async Task<string> InstallAsync()
    {
        var cache = Environment.GetEnvironmentVariable("GOVCLONE_TOOLS_DIR")
            ?? Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetEnvironmentVariable("HOME") ?? Path.GetTempPath(), ".cache"), "govclone-tools");
        var dir = Path.Combine(cache, "workflow-run");
        var modules = Path.Combine(dir, "node_modules");
        Directory.CreateDirectory(dir);
        // Tests in parallel, and other checkouts, install once: an exclusive lock file around the check and the install.
        FileStream? lockFile = null;
        await Eventually.HoldsAsync(() =>
        {
            try
            {
                lockFile = new FileStream(Path.Combine(dir, ".install.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return true;
            }
            catch (IOException)
            {
                return false;
            }
        }, "another run's npm install of " + Package + " holds its lock", TimeSpan.FromMinutes(10));
        await using var held = lockFile;
        if (!File.Exists(Path.Combine(modules, "@actions", "expressions", "package.json")))
        {
            var npm = await ProcessRunner.RunAsync(new ProcessSpec("npm", ["install", "--prefix", dir, "--no-audit", "--no-fund", "--silent", Package]));
            if (!npm.Succeeded)
            {
                throw new InvalidOperationException($"npm install {Package} failed (the workflow tests need npm): {npm.StandardError}");
            }
        }

        return modules;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _node.StandardInput.Close();
            await _node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            _node.Kill();
        }

        _node.Dispose();
        _gate.Dispose();
    }
}
