using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace GovClone.Tests.Workflows.Runner;

/// <summary>An event that starts a workflow: its name (pull_request, repository_dispatch, workflow_dispatch, schedule) and payload.</summary>
public sealed record WorkflowEvent(string Name, JsonObject Payload, string Sha);

/// <summary>One step as it ran: success, failure or skipped, and what it printed.</summary>
public sealed record StepRun(string Name, string Outcome, string Output)
{
    public override string ToString() => $"{Outcome}: {Name}";
}

/// <summary>One job: whether its <c>if</c> let it run, whether it succeeded, its steps, its job summary and its runner's home.</summary>
public sealed record JobRun(string Id, bool Ran, bool Succeeded, IReadOnlyList<StepRun> Steps, string Summary, string Home)
{
    public string Log => string.Join("\n", Steps.Select(s => $"--- {s}\n{s.Output}"));
}

public sealed record WorkflowRun(string Workflow, IReadOnlyList<JobRun> Jobs)
{
    public JobRun this[string id] => Jobs.Single(j => j.Id == id);

    public bool Succeeded => Jobs.Where(j => j.Ran).All(j => j.Succeeded);

    public string Log => string.Join("\n", Jobs.Select(j => $"=== {Workflow} / {j.Id}: {(j.Ran ? j.Succeeded ? "succeeded" : "FAILED" : "skipped")}\n{j.Log}"));
}

/// <summary>
/// Runs a workflow's jobs as a GitHub runner would, from the workflow file itself (never a retyped copy of its steps):
/// each job whose <c>if</c> holds, in a workspace and runner home of its own; its steps in order, each <c>if</c>,
/// <c>env</c> and <c>with</c> evaluated by GitHub's expression evaluator (<see cref="Expressions"/>); a <c>run:</c> step by
/// bash as the runner starts it (<c>bash -e</c>; <c>shell: bash</c>: <c>bash --noprofile --norc -eo pipefail</c>) with
/// GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STEP_SUMMARY, RUNNER_TEMP and GITHUB_EVENT_PATH; a local composite action's steps
/// the same way. Actions from elsewhere are modelled, each in one line: actions/checkout clones the lab's origin at the
/// event's commit; actions/setup-dotnet and pulumi/actions without a command install nothing (the tools are there);
/// pulumi/actions with a command runs that command of the stand-in pulumi on its stack, as the action does through
/// Pulumi's automation API (the stack must exist). Any other action fails its step. Jobs run one after the other (a
/// test runs two workflow runs at once for jobs that would overlap). The processes a job's steps left (its tunnel) are
/// ended with it, as the runner ends orphans, or, while another job runs at the same time, once no job runs: the tunnels
/// of jobs that overlap share their port (WorkflowLab.JobEnded says why).
/// </summary>
public sealed partial class WorkflowRunner(WorkflowLab lab, Expressions expressions)
{
    private static int _jobCounter;

    public async Task<WorkflowRun> RunAsync(string workflow, WorkflowEvent ev, JsonObject? inputs = null)
    {
        ArgumentNullException.ThrowIfNull(ev);
        var root = Load(Path.Combine(lab.RepoFiles, ".github", "workflows", workflow));
        var jobs = new List<JobRun>();
        var workflowEnv = Map(root, "env");
        foreach (var (key, node) in ((YamlMappingNode)root.Children[new YamlScalarNode("jobs")]).Children)
        {
            jobs.Add(await RunJobAsync(workflow, ((YamlScalarNode)key).Value!, (YamlMappingNode)node, workflowEnv, ev, inputs ?? Inputs(root, ev)));
        }

        return new WorkflowRun(workflow, jobs);
    }

    /// <summary>The inputs context: a workflow_dispatch's inputs as typed by the workflow (booleans as booleans), with their defaults.</summary>
    private static JsonObject Inputs(YamlMappingNode root, WorkflowEvent ev)
    {
        var inputs = new JsonObject();
        if (ev.Name != "workflow_dispatch" || Child(Child(root, "on"), "workflow_dispatch") is not YamlMappingNode dispatch || Child(dispatch, "inputs") is not YamlMappingNode defs)
        {
            return inputs;
        }

        var given = ev.Payload["inputs"] as JsonObject ?? [];
        foreach (var (key, def) in defs.Children)
        {
            var name = ((YamlScalarNode)key).Value!;
            var text = (string?)given[name] ?? Text((YamlMappingNode)def, "default") ?? string.Empty;
            inputs[name] = Text((YamlMappingNode)def, "type") == "boolean" ? text.Equals("true", StringComparison.OrdinalIgnoreCase) : text;
        }

        return inputs;
    }

    private async Task<JobRun> RunJobAsync(string workflow, string id, YamlMappingNode job, Dictionary<string, string> workflowEnv, WorkflowEvent ev, JsonObject inputs)
    {
        var dir = Path.Combine(lab.Root, "jobs", $"{Interlocked.Increment(ref _jobCounter)}-{Path.GetFileNameWithoutExtension(workflow)}-{id}");
        var context = new JobContext(dir, WorkflowLab.NewRunnerHome(dir), ev, inputs, lab);
        var contexts = context.Contexts(new JsonObject(), workflowEnv);
        if (Text(job, "if") is { } condition && !(await expressions.EvaluateAsync(Strip(condition), contexts)).Truthy)
        {
            return new JobRun(id, false, true, [], string.Empty, context.Home);
        }

        foreach (var (k, v) in workflowEnv)
        {
            context.Env[k] = await expressions.RenderAsync(v, contexts);
        }

        foreach (var (k, v) in Map(job, "env"))
        {
            context.Env[k] = await expressions.RenderAsync(v, context.Contexts(new JsonObject(), context.Env));
        }

        var steps = new List<StepRun>();
        lab.JobStarted();
        try
        {
            await RunStepsAsync(context, (YamlSequenceNode)job.Children[new YamlScalarNode("steps")], new JsonObject(), null, steps);
        }
        finally
        {
            lab.JobEnded(context.Orphans());
        }

        return new JobRun(id, true, !context.Failed, steps, context.Summary.ToString(), context.Home);
    }

    private async Task RunStepsAsync(JobContext job, YamlSequenceNode list, JsonObject stepsContext, JsonObject? actionInputs, List<StepRun> runs)
    {
        var index = 0;
        foreach (var step in list.Children.Cast<YamlMappingNode>())
        {
            index++;
            var run = Text(step, "run");
            var uses = Text(step, "uses");
            var name = Text(step, "name") ?? uses ?? run!.Split('\n')[0];
            var contexts = job.Contexts(stepsContext, job.Env, actionInputs);
            var condition = Strip(Text(step, "if") ?? "success()");
            if (!StatusFunction().IsMatch(condition))
            {
                condition = $"success() && ({condition})";
            }

            var stepId = Text(step, "id");
            if (!(await expressions.EvaluateAsync(condition, contexts, job.Failed ? "failure" : "success")).Truthy)
            {
                runs.Add(new StepRun(name, "skipped", string.Empty));
                Record(stepsContext, stepId, "skipped", []);
                continue;
            }

            var env = new Dictionary<string, string>(job.Env, StringComparer.Ordinal);
            foreach (var (k, v) in Map(step, "env"))
            {
                env[k] = await expressions.RenderAsync(v, contexts);
            }

            (bool Ok, string Output, Dictionary<string, string> Outputs) result;
            if (run is not null)
            {
                var shell = Text(step, "shell");
                result = await job.RunScriptAsync(await expressions.RenderAsync(run, contexts), shell, env, Text(step, "working-directory"));
            }
            else
            {
                var with = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (k, v) in Map(step, "with"))
                {
                    with[k] = await expressions.RenderAsync(v, contexts);
                }

                result = await UsesAsync(job, uses!, with, env, runs);
            }

            runs.Add(new StepRun(name, result.Ok ? "success" : "failure", result.Output));
            Record(stepsContext, stepId, result.Ok ? "success" : "failure", result.Outputs);
            if (!result.Ok)
            {
                job.Failed = true;
            }
        }
    }

    private async Task<(bool Ok, string Output, Dictionary<string, string> Outputs)> UsesAsync(JobContext job, string uses, Dictionary<string, string> with,
        Dictionary<string, string> env, List<StepRun> runs)
    {
        if (uses.StartsWith("actions/checkout@", StringComparison.Ordinal))
        {
            return await job.CheckoutAsync();
        }

        if (uses.StartsWith("actions/setup-dotnet@", StringComparison.Ordinal) || (uses.StartsWith("pulumi/actions@", StringComparison.Ordinal) && !with.ContainsKey("command")))
        {
            return (true, $"{uses}: the tool is installed on this runner", []);
        }

        if (uses.StartsWith("pulumi/actions@", StringComparison.Ordinal))
        {
            // The action selects the stack (it must exist) and runs the command through Pulumi's automation API.
            var command = with["command"];
            var yes = command is "up" or "destroy" or "refresh" ? " --yes --skip-preview" : string.Empty;
            var script = $"pulumi stack select \"$STACK\"\npulumi {command} --stack \"$STACK\"{yes}\n";
            return await job.RunScriptAsync(script, "bash", new Dictionary<string, string>(env, StringComparer.Ordinal) { ["STACK"] = with["stack-name"] }, null);
        }

        if (uses.StartsWith("./", StringComparison.Ordinal))
        {
            var action = Load(Path.Combine(job.Workspace, uses[2..], "action.yml"));
            var inputs = new JsonObject();
            if (Child(action, "inputs") is YamlMappingNode defs)
            {
                foreach (var (key, def) in defs.Children)
                {
                    var name = ((YamlScalarNode)key).Value!;
                    inputs[name] = with.GetValueOrDefault(name) ?? Text((YamlMappingNode)def, "default") ?? string.Empty;
                }
            }

            var runsNode = (YamlMappingNode)action.Children[new YamlScalarNode("runs")];
            var before = runs.Count;
            var failedBefore = job.Failed;
            await RunStepsAsync(job, (YamlSequenceNode)runsNode.Children[new YamlScalarNode("steps")], new JsonObject(), inputs, runs);
            var inner = runs.Skip(before).ToList();
            runs.RemoveRange(before, inner.Count);
            var ok = job.Failed == failedBefore || !job.Failed;
            return (ok, string.Join("\n", inner.Select(s => $"  --- {s}\n{s.Output}")), []);
        }

        return (false, $"the test runner models no action '{uses}': model it in WorkflowRunner.UsesAsync", []);
    }

    private static void Record(JsonObject stepsContext, string? id, string outcome, Dictionary<string, string> outputs)
    {
        if (id is null)
        {
            return;
        }

        var o = new JsonObject();
        foreach (var (k, v) in outputs)
        {
            o[k] = v;
        }

        stepsContext[id] = new JsonObject { ["outputs"] = o, ["outcome"] = outcome, ["conclusion"] = outcome };
    }

    private static string Strip(string condition)
    {
        var c = condition.Trim();
        return c.StartsWith("${{", StringComparison.Ordinal) && c.EndsWith("}}", StringComparison.Ordinal) ? c[3..^2].Trim() : c;
    }

    [GeneratedRegex(@"\b(success|failure|always|cancelled)\s*\(")]
    private static partial Regex StatusFunction();

    private static YamlMappingNode Load(string path)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            yaml.Load(reader);
        }

        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    private static string? Text(YamlMappingNode node, string key) => (Child(node, key) as YamlScalarNode)?.Value;

    private static Dictionary<string, string> Map(YamlMappingNode node, string key) =>
        Child(node, key) is YamlMappingNode m
            ? m.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => ((YamlScalarNode)kv.Value).Value ?? string.Empty, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>One job on its runner: workspace, home, RUNNER_TEMP, the environment GITHUB_ENV builds up, the summary.</summary>
    private sealed class JobContext
    {
        private readonly WorkflowEvent _ev;
        private readonly JsonObject _inputs;
        private readonly WorkflowLab _lab;
        private readonly string _eventPath;
        private readonly string _pids;
        private int _step;

        public JobContext(string dir, string home, WorkflowEvent ev, JsonObject inputs, WorkflowLab lab)
        {
            Home = home;
            Workspace = Path.Combine(dir, "work", "govclone");
            Temp = Path.Combine(dir, "temp");
            Directory.CreateDirectory(Workspace);
            Directory.CreateDirectory(Temp);
            _ev = ev;
            _inputs = inputs;
            _lab = lab;
            _eventPath = Path.Combine(dir, "event.json");
            File.WriteAllText(_eventPath, ev.Payload.ToJsonString());
            _pids = Path.Combine(dir, "pids");
        }

        public string Home { get; }

        public string Workspace { get; }

        public string Temp { get; }

        public bool Failed { get; set; }

        /// <summary>Workflow and job env, then what steps wrote to GITHUB_ENV.</summary>
        public Dictionary<string, string> Env { get; } = new(StringComparer.Ordinal);

        public StringBuilder Summary { get; } = new();

        public JsonObject Contexts(JsonObject steps, IReadOnlyDictionary<string, string> env, JsonObject? actionInputs = null)
        {
            var envContext = new JsonObject();
            foreach (var (k, v) in env)
            {
                envContext[k] = v;
            }

            var secrets = new JsonObject();
            foreach (var (k, v) in _lab.Secrets)
            {
                secrets[k] = v;
            }

            return new JsonObject
            {
                ["github"] = new JsonObject
                {
                    ["event_name"] = _ev.Name,
                    ["event"] = _ev.Payload.DeepClone(),
                    ["sha"] = _ev.Sha,
                    ["repository"] = WorkflowLab.Repository,
                    ["workspace"] = Workspace,
                    ["event_path"] = _eventPath,
                },
                ["inputs"] = (actionInputs ?? _inputs).DeepClone(),
                ["secrets"] = secrets,
                ["env"] = envContext,
                ["steps"] = steps.DeepClone(),
                ["runner"] = new JsonObject { ["temp"] = Temp, ["os"] = "Linux" },
                ["vars"] = new JsonObject(),
                ["job"] = new JsonObject { ["status"] = Failed ? "failure" : "success" },
                ["needs"] = new JsonObject(),
                ["matrix"] = new JsonObject(),
                ["strategy"] = new JsonObject(),
            };
        }

        public async Task<(bool Ok, string Output, Dictionary<string, string> Outputs)> CheckoutAsync()
        {
            var clone = await WorkflowLab.GitAsync(Path.GetDirectoryName(Workspace)!, "clone", "-q", _lab.Origin, Workspace);
            var checkout = clone.Ok ? await WorkflowLab.GitAsync(Workspace, "checkout", "-q", _ev.Sha) : clone;
            return (clone.Ok && checkout.Ok, clone.Output + checkout.Output, []);
        }

        public async Task<(bool Ok, string Output, Dictionary<string, string> Outputs)> RunScriptAsync(string script, string? shell, Dictionary<string, string> env, string? workingDirectory)
        {
            var n = Interlocked.Increment(ref _step);
            var file = Path.Combine(Temp, $"step-{n}.sh");
            await File.WriteAllTextAsync(file, script);
            var files = new Dictionary<string, string>
            {
                ["GITHUB_OUTPUT"] = Path.Combine(Temp, $"output-{n}"),
                ["GITHUB_ENV"] = Path.Combine(Temp, $"env-{n}"),
                ["GITHUB_PATH"] = Path.Combine(Temp, $"path-{n}"),
                ["GITHUB_STEP_SUMMARY"] = Path.Combine(Temp, $"summary-{n}"),
            };
            foreach (var f in files.Values)
            {
                await File.WriteAllTextAsync(f, string.Empty);
            }

            var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            foreach (var a in shell switch
            {
                null => new[] { "-e", file },
                "bash" => ["--noprofile", "--norc", "-eo", "pipefail", file],
                _ => throw new InvalidOperationException($"the test runner models no shell '{shell}'"),
            })
            {
                psi.ArgumentList.Add(a);
            }

            psi.WorkingDirectory = workingDirectory is null ? Workspace : Path.Combine(Workspace, workingDirectory);
            psi.Environment.Clear();
            foreach (var (k, v) in _lab.BaseEnvironment)
            {
                psi.Environment[k] = v;
            }

            foreach (var (k, v) in new Dictionary<string, string>
            {
                ["HOME"] = Home,
                ["RUNNER_TEMP"] = Temp,
                ["TMPDIR"] = Temp,
                ["GITHUB_WORKSPACE"] = Workspace,
                ["GITHUB_EVENT_PATH"] = _eventPath,
                ["GITHUB_EVENT_NAME"] = _ev.Name,
                ["GITHUB_REPOSITORY"] = WorkflowLab.Repository,
                ["GITHUB_SHA"] = _ev.Sha,
                ["GITHUB_ACTIONS"] = "true",
                ["CI"] = "true",
                ["RUNNER_OS"] = "Linux",
                ["GOVCLONE_STANDIN_PIDS"] = _pids,
            }.Concat(files).Concat(env))
            {
                psi.Environment[k] = v;
            }

            using var process = Process.Start(psi)!;
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            var output = await stdout + await stderr;

            foreach (var (k, v) in ParseFile(files["GITHUB_ENV"]))
            {
                Env[k] = v;
            }

            Summary.Append(await File.ReadAllTextAsync(files["GITHUB_STEP_SUMMARY"]));
            return (process.ExitCode == 0, output + (process.ExitCode == 0 ? string.Empty : $"\n(exit {process.ExitCode})"), ParseFile(files["GITHUB_OUTPUT"]));
        }

        /// <summary>GITHUB_OUTPUT / GITHUB_ENV: <c>NAME=VALUE</c> lines, or <c>NAME&lt;&lt;DELIMITER</c> … <c>DELIMITER</c>.</summary>
        private static Dictionary<string, string> ParseFile(string path)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            var lines = File.ReadAllLines(path);
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                var heredoc = line.IndexOf("<<", StringComparison.Ordinal);
                var eq = line.IndexOf('=', StringComparison.Ordinal);
                if (heredoc > 0 && (eq < 0 || heredoc < eq))
                {
                    var delimiter = line[(heredoc + 2)..];
                    var body = new List<string>();
                    while (++i < lines.Length && lines[i] != delimiter)
                    {
                        body.Add(lines[i]);
                    }

                    values[line[..heredoc]] = string.Join('\n', body);
                }
                else if (eq > 0)
                {
                    values[line[..eq]] = line[(eq + 1)..];
                }
                else if (line.Length > 0)
                {
                    throw new InvalidOperationException($"{Path.GetFileName(path)}: '{line}' is neither NAME=VALUE nor NAME<<DELIMITER (the runner rejects it too)");
                }
            }

            return values;
        }

        /// <summary>What the job's steps left running (the stand-in tunnels), which the runner ends with the job.</summary>
        public IReadOnlyList<int> Orphans() =>
            File.Exists(_pids) ? File.ReadAllLines(_pids).Select(l => int.TryParse(l, out var pid) ? pid : 0).Where(p => p > 0).ToList() : [];
    }
}
