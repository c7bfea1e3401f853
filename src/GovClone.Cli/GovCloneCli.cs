using System.CommandLine;
using System.Text.Json;
using GovClone.Configuration;
using GovClone.Decision;
using GovClone.Lifecycle;
using GovClone.Sandbox;
using GovClone.Sql;
using Npgsql;
using Spectre.Console;

namespace GovClone.Cli;

/// <summary>
/// <c>govclone</c>: every lever of the runbook one command away. Exit codes: 0 success, 1 drift or a
/// failed check or operation, 2 bad input or refused by a guard, 130 cancelled.
/// </summary>
public static class GovCloneCli
{
    public static async Task<int> RunAsync(string[] args, CliHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(host.Out),
            Ansi = host.IsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = host.IsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = host.IsTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!host.IsTerminal)
        {
            console.Profile.Width = 160;
        }

        var cli = new Commands(host, console);
        var root = cli.Build();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                await host.Error.WriteLineAsync("govclone: " + e.Message);
            }

            await host.Error.WriteLineAsync("Fix: see `govclone --help` for the commands and options.");
            return 2;
        }

        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = host.Out, Error = host.Error, EnableDefaultExceptionHandler = false }, cts.Token);
        }
        catch (GovCloneException ex)
        {
            await host.Error.WriteLineAsync("govclone: " + ex.Message);
            return ex.ExitCode;
        }
        catch (OperationCanceledException)
        {
            await host.Error.WriteLineAsync("govclone: cancelled; run `govclone up` to converge from wherever it stopped.");
            return 130;
        }
        catch (NpgsqlException ex)
        {
            await host.Error.WriteLineAsync("govclone: database error: " + (ex is PostgresException pg ? $"{pg.SqlState} {pg.MessageText}" : ex.Message));
            return 1;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private sealed class Commands
    {
        private readonly CliHost _host;
        private readonly IAnsiConsole _console;
        private readonly Option<string> _stack = new("--stack") { Description = "stack name: reads Pulumi.<stack>.yaml", DefaultValueFactory = _ => "nonprod", Recursive = true };
        private readonly Option<string?> _stackFile = new("--stack-file") { Description = "explicit stack file path (overrides --stack)", Recursive = true };
        private readonly Dictionary<SettingKey, Option<string?>> _settingFlags = [];
        private readonly Option<bool> _json = new("--json") { Description = "machine-readable JSON" };
        private readonly Option<string?> _profile = new("--profile") { Description = "committed | baseline (default: govclone:seedProfile)" };

        public Commands(CliHost host, IAnsiConsole console)
        {
            _host = host;
            _console = console;
        }

        public RootCommand Build()
        {
            var root = new RootCommand("govclone: keeps the non-production governance clone of the production database (directus -> directus_gov_test_*). Production is only ever read.");
            root.Options.Add(_stack);
            root.Options.Add(_stackFile);
            foreach (var key in SettingKeys.All.Where(k => !k.IsSecret))
            {
                var opt = new Option<string?>(key.Flag) { Description = $"{key.Description} [{key.ConfigKey}, env {key.EnvironmentVariable}]", Recursive = true };
                _settingFlags[key] = opt;
                root.Options.Add(opt);
            }

            var sandbox = new Command("sandbox", "a private PostgreSQL with a generated production stand-in, for trying the whole lifecycle");
            var size = new Option<string?>("--size") { Description = "pad the generated source with realistic audit data up to this size, e.g. 1.2GB" };
            var sandboxUp = new Command("up", "start the sandbox server, generate the source, run `up`, show status and decision") { size };
            sandboxUp.SetAction((p, ct) => SandboxUpAsync(p.GetValue(size), ct));
            var sandboxDown = new Command("down", "stop the sandbox server and remove it with its stack file");
            sandboxDown.SetAction((_, ct) => SandboxDownAsync(ct));
            sandbox.Subcommands.Add(sandboxUp);
            sandbox.Subcommands.Add(sandboxDown);
            root.Subcommands.Add(sandbox);

            var up = new Command("up", "converge: clone if absent or incomplete, seed if not at the profile, verify (a second up changes nothing)");
            up.SetAction((p, ct) => UpAsync(p, ct));
            var force = new Option<bool>("--force") { Description = "re-clone even when a complete clone exists" };
            var clone = new Command("clone", "stream pg_dump SOURCE | psql CLONE, ANALYZE, mark complete") { force };
            clone.SetAction(async (p, ct) => Lever(await Lifecycle(p, progress: true).CloneAsync(p.GetValue(force), ct)));
            var purgeForeign = new Option<bool>("--purge-foreign") { Description = "first delete the governance rows the seed did not write (and axis_* tables); without it the seed refuses while they exist, naming them" };
            var seed = new Command("seed", "bring the clone to the committed state exactly; exit 1 unless the suite then passes") { _profile, purgeForeign };
            seed.SetAction(async (p, ct) => Lever(await Lifecycle(p).SeedAsync(Profile(p) ?? SeedProfile.Committed, p.GetValue(purgeForeign), ct)));
            var verify = new Command("verify", "the regression suite: have/want of every metric; exit 1 on drift") { _profile, _json };
            verify.SetAction((p, ct) => VerifyAsync(p, ct));
            var reset = new Command("reset", "reset-in-place to the clean F-6 baseline (own=0, gap=210, candidates=0); exit 1 unless the suite then passes") { purgeForeign };
            reset.SetAction(async (p, ct) => Lever(await Lifecycle(p).ResetAsync(p.GetValue(purgeForeign), ct)));
            var compact = new Command("compact", "VACUUM (FULL, ANALYZE) the clone");
            compact.SetAction(async (p, ct) => Lever(await Lifecycle(p).CompactAsync(ct)));
            var drop = new Command("drop", "DROP DATABASE IF EXISTS clone WITH (FORCE); a second drop is a no-op");
            drop.SetAction(async (p, ct) => Lever(await Lifecycle(p).DropAsync(ct)));
            var status = new Command("status", "exists, complete, size, metrics, connections, leases, decision") { _json };
            status.SetAction((p, ct) => StatusAsync(p, ct));
            var markdown = new Option<bool>("--markdown") { Description = "render the decision record in the seed's shape" };
            var decide = new Command("decide", "the lifecycle decision (RETAIN/DROP) with its factor table, from live facts") { _json, markdown };
            decide.SetAction((p, ct) => DecideAsync(p, p.GetValue(markdown), ct));
            var suite = new Command("suite", "print the psql regression suite for a profile (sql/A_coverage_regression_suite_clone.sql is the committed one)") { _profile };
            suite.SetAction(p =>
            {
                _host.Out.Write(RegressionSuite.Render(Profile(p) ?? SeedProfile.Committed));
                return 0;
            });
            var script = new Command("script", "print the exact bash script `clone` runs at the server for this stack (no secrets in it)") { force };
            script.SetAction(p =>
            {
                var settings = Settings(p);
                _host.Out.Write(Transport.ServerScripts.Clone(settings, new Transport.ServerTransport(settings), p.GetValue(force)));
                return 0;
            });
            var fingerprint = new Command("fingerprint", "the source's governance and catalog fingerprint, read-only (equal before and after proves production unchanged)");
            fingerprint.SetAction(async (p, ct) =>
            {
                var f = await Lifecycle(p).FingerprintSourceAsync(ct);
                _host.Out.WriteLine($"governance {f.Governance}\ncatalog {f.Catalog}");
                return 0;
            });
            foreach (var c in new[] { up, clone, seed, verify, reset, compact, drop, status, decide, suite, script, fingerprint })
            {
                root.Subcommands.Add(c);
            }

            return root;
        }

        private SeedProfile? Profile(ParseResult p) => p.GetValue(_profile)?.ToLowerInvariant() switch
        {
            null => null,
            "committed" => SeedProfile.Committed,
            "baseline" => SeedProfile.Baseline,
            var other => throw new ConfigurationException("--profile", $"'{other}' is not a profile", "use committed or baseline"),
        };

        private GovCloneSettings Settings(ParseResult p)
        {
            var flags = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, opt) in _settingFlags)
            {
                if (p.GetValue(opt) is { } v)
                {
                    flags[key.Name] = v;
                }
            }

            return SettingsLoader.Load(new SettingsSources
            {
                StackName = p.GetValue(_stack) ?? "nonprod",
                StackFilePath = p.GetValue(_stackFile),
                ProjectDirectory = SettingsLoader.FindProjectDirectory(_host.WorkingDirectory),
                Flags = flags,
                Environment = _host.Environment ?? SettingsSources.ReadEnvironment(),
            });
        }

        private CloneLifecycle Lifecycle(ParseResult p, bool progress = false) =>
            new(Settings(p), progress ? new ProgressView(_console, _host.Out, _host.IsTerminal) : null);

        private int Lever(LeverResult r)
        {
            _console.MarkupLine($"{Markup.Escape(r.Lever)}: {(r.Changed ? "[yellow]changed[/]" : "no change")}: {Markup.Escape(r.Summary)}");
            return 0;
        }

        private async Task<int> UpAsync(ParseResult p, CancellationToken ct)
        {
            var result = await Lifecycle(p, progress: true).UpAsync(ct);
            return ReportUp(result);
        }

        private int ReportUp(UpResult result)
        {
            _console.Write(Rendering.Steps(result.Steps));
            _console.Write(Rendering.HaveWant(result.Verify));
            _console.MarkupLine(result.ProductionUnchanged ? "production: unchanged (fingerprint equal before and after)" : "[red]production: FINGERPRINT CHANGED[/]");
            _console.MarkupLine($"up: {(result.Verify.Passed ? "converged" : "[red]DRIFT[/]")}, {result.Changes} change(s)");
            return result.Verify.Passed && result.ProductionUnchanged ? 0 : 1;
        }

        private async Task<int> VerifyAsync(ParseResult p, CancellationToken ct)
        {
            var result = await Lifecycle(p).VerifyAsync(Profile(p), ct);
            if (p.GetValue(_json))
            {
                _host.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    profile = result.Profile.ToString().ToLowerInvariant(),
                    passed = result.Passed,
                    checks = result.Checks.Select(c => new { metric = c.Want.Name, have = c.Have?.Value, haveDetail = c.Have?.Detail, want = c.Want.Value, wantDetail = c.Want.Detail, ok = c.Ok }),
                }, Rendering.Json));
            }
            else
            {
                _console.Write(Rendering.HaveWant(result));
                _console.MarkupLine(result.Passed ? "verify: PASS" : "[red]verify: DRIFT[/] (" + Markup.Escape(string.Join("; ", result.Drift.Select(d => $"{d.Want.Name} have {d.Have?.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "missing"} want {d.Want.Value}"))) + ")");
            }

            return result.Passed ? 0 : 1;
        }

        private async Task<int> StatusAsync(ParseResult p, CancellationToken ct)
        {
            var s = await Lifecycle(p).StatusAsync(ct);
            if (p.GetValue(_json))
            {
                _host.Out.WriteLine(JsonSerializer.Serialize(Rendering.StatusJson(s), Rendering.Json));
            }
            else
            {
                _console.Write(Rendering.Status(s));
            }

            return 0;
        }

        private async Task<int> DecideAsync(ParseResult p, bool markdown, CancellationToken ct)
        {
            if (markdown && p.GetValue(_json))
            {
                throw new ConfigurationException("--json, --markdown", "cannot be used together (one output at a time)", "pass --json for the machine-readable decision or --markdown for the decision record, not both");
            }

            var settings = Settings(p);
            var s = await new CloneLifecycle(settings).StatusAsync(ct);
            if (markdown)
            {
                _host.Out.Write(DecisionRecord.RenderMarkdown(settings, s.Facts, s.Decision));
            }
            else if (p.GetValue(_json))
            {
                _host.Out.WriteLine(JsonSerializer.Serialize(Rendering.DecisionJson(s.Decision), Rendering.Json));
            }
            else
            {
                _console.Write(Rendering.Factors(s.Decision));
                _console.MarkupLine($"decision: [bold]{s.Decision.Verdict}[/] ({Markup.Escape(s.Decision.Reason)})");
            }

            return 0;
        }

        private async Task<int> SandboxUpAsync(string? size, CancellationToken ct)
        {
            long? target = size is null ? null : SourceGenerator.ParseSize(size);
            var sandbox = new SandboxEnvironment(SettingsLoader.FindProjectDirectory(_host.WorkingDirectory));
            _console.MarkupLine($"sandbox: starting a private PostgreSQL in {Markup.Escape(sandbox.StateDirectory)}");
            var (server, created) = await sandbox.StartAsync(ct: ct);
            _console.MarkupLine($"sandbox: server on {server.Host}:{server.Port} ({Markup.Escape(server.BinDirectory)}); source 'directus' {(created ? "generated" : "already there")}");
            if (target is { } t)
            {
                var lastReport = DateTime.MinValue;
                var final = await SourceGenerator.PadAsync(server, "directus", t, new Progress<(long Bytes, long Rows)>(x =>
                {
                    if (DateTime.UtcNow - lastReport > TimeSpan.FromSeconds(5))
                    {
                        lastReport = DateTime.UtcNow;
                        _host.Out.WriteLine($"sandbox: source {LifecycleDecider.FormatBytes(x.Bytes)} / {LifecycleDecider.FormatBytes(t)}, {x.Rows:N0} activity rows");
                    }
                }), ct);
                _console.MarkupLine($"sandbox: source padded to {LifecycleDecider.FormatBytes(final)}");
            }

            _console.MarkupLine($"sandbox: wrote {Markup.Escape(sandbox.StackFile)} (use --stack sandbox)");
            var settings = SettingsLoader.Load(new SettingsSources
            {
                StackName = SandboxEnvironment.StackName,
                ProjectDirectory = sandbox.ProjectDirectory,
                Environment = _host.Environment ?? SettingsSources.ReadEnvironment(),
            });
            var lifecycle = new CloneLifecycle(settings, new ProgressView(_console, _host.Out, _host.IsTerminal));
            var upExit = ReportUp(await lifecycle.UpAsync(ct));
            var status = await lifecycle.StatusAsync(ct);
            _console.Write(Rendering.Status(status));
            _console.Write(Rendering.Factors(status.Decision));
            _console.MarkupLine($"decision: [bold]{status.Decision.Verdict}[/]");
            _console.MarkupLine("next: `govclone status --stack sandbox`, `govclone verify --stack sandbox`, … ; `govclone sandbox down` removes it all.");
            return upExit;
        }

        private async Task<int> SandboxDownAsync(CancellationToken ct)
        {
            var sandbox = new SandboxEnvironment(SettingsLoader.FindProjectDirectory(_host.WorkingDirectory));
            var existed = await sandbox.DestroyAsync(ct);
            _console.MarkupLine(existed ? "sandbox: stopped and removed" : "sandbox: nothing to remove");
            return 0;
        }
    }
}
