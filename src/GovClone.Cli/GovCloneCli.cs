using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
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
/// failed check or operation, 2 bad input or refused (by a guard, or a destructive lever without
/// confirmation), 130 cancelled.
/// </summary>
public static partial class GovCloneCli
{
    /// <summary>What the root help ends with: where the settings are and what the exit codes mean.</summary>
    internal const string RootFooter = """
        Settings: -c KEY=VALUE, GOVCLONE_*, or the stack file (see `govclone config`).
        Exit codes: 0 ok, 1 drift or failed, 2 bad input or refused, 130 cancelled.
        """;

    public static async Task<int> RunAsync(string[] args, CliHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(host.Out),
            Ansi = host.IsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = host.IsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = host.IsInteractive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!host.IsTerminal)
        {
            console.Profile.Width = 160;
        }

        var cli = new Commands(host, console);
        var root = cli.Build();
        // Like pulumi and kubectl: no arguments at all shows the help.
        var parse = root.Parse(args.Length == 0 ? ["--help"] : args);
        var lever = LeverName(parse);
        if (parse.Errors.Count > 0 && parse.Action is not { ClearsParseErrors: true })
        {
            foreach (var e in parse.Errors)
            {
                await host.Error.WriteLineAsync("govclone: " + e.Message);
            }

            await host.Error.WriteLineAsync($"Fix: see `govclone {(lever == "govclone" ? string.Empty : lever + " ")}--help` for the commands and options.");
            if (cli.WantsJson(parse))
            {
                cli.Json.Result(lever, 2, new { error = new { kind = "bad-input", message = string.Join("; ", parse.Errors.Select(e => e.Message)), setting = (string?)null, fix = "see --help" } });
            }

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
            return cli.Fail(parse, lever, ex.ExitCode, ex);
        }
        catch (OperationCanceledException ex)
        {
            await host.Error.WriteLineAsync("govclone: cancelled; run `govclone up` to converge from wherever it stopped.");
            return cli.Fail(parse, lever, 130, ex);
        }
        catch (NpgsqlException ex)
        {
            await host.Error.WriteLineAsync("govclone: database error: " + (ex is PostgresException pg ? $"{pg.SqlState} {pg.MessageText}" : ex.Message));
            return cli.Fail(parse, lever, 1, ex);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>The subcommand as typed (<c>drop</c>, <c>sandbox up</c>), or <c>govclone</c> for the root.</summary>
    private static string LeverName(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        if (command is RootCommand)
        {
            return "govclone";
        }

        return command.Parents.FirstOrDefault() is Command parent and not RootCommand ? parent.Name + " " + command.Name : command.Name;
    }

    /// <summary>
    /// What a lever's help adds under System.CommandLine's own (the root listing shows only the one-line
    /// descriptions): how it works and what it asks. Tests hold these against what the levers do.
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, string> Details = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["up"] = """
            Clones only when the clone is absent, incomplete or of another
            govclone:cloneGeneration; seeds only when the suite differs from
            govclone:seedProfile. Production: every govclone session there is checked
            read-only (one that wrote fails the run); what other sessions changed
            meanwhile is named, not a failure.
            """,
        ["clone"] = """
            How (govclone:cloneMethod, default auto): the ready spare <clone>_spare
            swapped in by name when there is one (a copy of the retained template
            made ahead of time), else a FILE_COPY of the retained template
            <clone>_template when it is current (production is not read), else
            streams: one snapshot of the source, a binary COPY per big table,
            pg_dump --section=data for the rest, indexes in parallel lanes. Explicit
            only: dump (the runbook's plain pg_dump | psql), template, source-template.
            A copy is built in <clone>_next and swapped in when complete; the clone
            stays usable until then. Then `govclone spare` runs in the background.
            --force asks for the clone's name on a terminal; otherwise it needs -y.
            """,
        ["seed"] = """
            Runs sql/seed_committed_state.sql on the clone (--profile baseline:
            sql/reset_in_place.sql). --profile baseline and --purge-foreign discard
            state: they ask for the clone's name on a terminal; otherwise they need -y.
            """,
        ["reset"] = """
            Runs sql/reset_in_place.sql on the clone (--purge-foreign: first
            sql/purge_foreign_rows.sql). Asks for the clone's name on a terminal;
            otherwise it needs -y/--yes.
            """,
        ["compact"] = "Runs sql/compact.sql on the clone.",
        ["drop"] = "Asks for the clone's name on a terminal; otherwise it needs -y/--yes.",
        ["spare"] = """
            Under its own lock (seed, verify and the rest run meanwhile): drops a
            clone a re-clone retired (<clone>_old), then makes <clone>_spare, a
            FILE_COPY of the current retained template, marked ready last, when
            govclone:keepSpare allows. clone, clone --force and up start it in the
            background after they change the clone.
            """,
        ["branch"] = """
            A branch <clone>_NAME is a FILE_COPY of the retained template (production
            is not read), seeded and verified; its levers take the branch's own lock,
            never the clone's. Budget: govclone:maxBranches, branchMinFreeBytes.
            seed, reset and verify take --branch NAME. drop and gc ask on a
            terminal; otherwise they need -y/--yes.
            """,
    };

    /// <summary>System.CommandLine's own help; under the root's the settings and exit-code lines, under a lever's its <see cref="Details"/>.</summary>
    private sealed class HelpWithFooter(HelpAction help) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var exit = help.Invoke(parseResult);
            var command = parseResult.CommandResult.Command;
            var output = parseResult.InvocationConfiguration.Output;
            if (command is RootCommand)
            {
                output.WriteLine(RootFooter.TrimEnd());
            }
            else if (command.Parents.FirstOrDefault() is RootCommand && Details.TryGetValue(command.Name, out var details))
            {
                output.WriteLine(details.TrimEnd());
            }

            return exit;
        }
    }

    private sealed partial class Commands
    {
        private readonly CliHost _host;
        private readonly IAnsiConsole _console;
        private readonly GlobalOptions _g = new();
        private readonly Option<string?> _profile = Choice("--profile", "the profile [default: govclone:seedProfile]", SettingKeys.SeedProfile);
        private readonly Option<bool> _force = new("--force") { Description = "re-clone a complete clone (asks first)" };
        private readonly Option<bool> _dryRun = new("--dry-run") { Description = "print the exact SQL or script; change nothing" };
        private readonly Option<bool> _purgeForeign = new("--purge-foreign") { Description = "first delete governance rows the seed did not write (refused, naming them, without it)" };
        private readonly Option<bool> _markdown = new("--markdown") { Description = "the decision record in the seed's shape" };

        public Commands(CliHost host, IAnsiConsole console)
        {
            _host = host;
            _console = console;
            Json = new JsonOutput(host.Out);
        }

        public JsonOutput Json { get; }

        public RootCommand Build()
        {
            var root = new RootCommand("Keeps a guarded non-production clone of production (directus -> directus_gov_test_*) as the governance regression harness; production is only read.");
            // dotnet-suggest hands over the command line as typed: "govclone dr" or "./govclone dr".
            root.Aliases.Add("govclone");
            root.Aliases.Add("./govclone");
            foreach (var option in _g.All)
            {
                root.Options.Add(option);
            }

            var helpOption = root.Options.OfType<HelpOption>().Single();
            if (helpOption.Action is HelpAction helpAction)
            {
                helpAction.MaxWidth = _host.Width;
                helpOption.Action = new HelpWithFooter(helpAction);
            }

            var sandbox = new Command("sandbox", "try every lever on a private PostgreSQL and a stand-in source");
            var size = new Option<string?>("--size") { Description = "pad the generated source with realistic audit data up to this size, e.g. 1.2GB" };
            var sandboxUp = new Command("up", "start the sandbox server, generate the source, run `up`, show status and decision") { size };
            sandboxUp.SetAction((p, ct) => SandboxUpAsync(p, p.GetValue(size), ct));
            var sandboxDown = new Command("down", "stop the sandbox server and remove it with its stack file");
            sandboxDown.SetAction((p, ct) => SandboxDownAsync(p, ct));
            sandbox.Subcommands.Add(sandboxUp);
            sandbox.Subcommands.Add(sandboxDown);

            var up = new Command("up", "converge: clone if needed, seed to the profile, run the suite");
            up.SetAction(UpAsync);
            var clone = new Command("clone", "fresh clone: template copy or table streams; mark complete")
            {
                _force, _dryRun,
            };
            clone.SetAction(CloneAsync);
            var seed = new Command("seed", "seed the committed evidence (own=30 ... axis_tables=0)") { _profile, _purgeForeign, _dryRun, _onBranch };
            seed.SetAction(SeedAsync);
            var verify = new Command("verify", "run the regression suite (have/want); exit 1 on drift") { _profile, _onBranch };
            verify.SetAction(VerifyAsync);
            var reset = new Command("reset", "reset to the F-6 baseline: own=0, gap=210, candidates=0") { _purgeForeign, _dryRun, _onBranch };
            reset.SetAction(ResetAsync);
            var compact = new Command("compact", "VACUUM (FULL, ANALYZE) the clone") { _dryRun };
            compact.SetAction(CompactAsync);
            var drop = new Command("drop", "drop the clone and its retained template (idempotent)") { _dryRun };
            drop.SetAction(DropAsync);
            var spare = new Command("spare", "make the ready spare, so the next re-clone is a swap of names");
            spare.SetAction(SpareAsync);
            var status = new Command("status", "clone, template, metrics, sessions and the decision");
            status.SetAction(StatusAsync);
            var decide = new Command("decide", "the lifecycle decision (RETAIN/DROP) from live facts") { _markdown };
            decide.SetAction(DecideAsync);
            var keyArg = new Argument<string?>("KEY") { Description = "one key, with or without govclone: (default: all)", Arity = ArgumentArity.ZeroOrOne, HelpName = "KEY" };
            keyArg.CompletionSources.Add(_ => SettingKeys.All.Select(k => new System.CommandLine.Completions.CompletionItem(k.Name)));
            var config = new Command("config", "every setting: value, origin, type, allowed values, default") { keyArg };
            config.SetAction(p => ConfigAction(p, p.GetValue(keyArg)));
            var suite = new Command("suite", "print the psql regression suite for a profile") { _profile };
            suite.SetAction(p =>
            {
                NoJson(p, "suite", "it prints SQL");
                _host.Out.Write(RegressionSuite.Render(Profile(p) ?? SeedProfile.Committed));
                return 0;
            });
            var script = new Command("script", "print the exact server-side clone script (no secrets)") { _force };
            script.SetAction(p =>
            {
                NoJson(p, "script", "it prints a bash script");
                _host.Out.Write(LeverPlan.CloneScript(Settings(p), p.GetValue(_force)));
                return 0;
            });
            var fingerprint = new Command("fingerprint", "production's fingerprint, read-only");
            fingerprint.SetAction(FingerprintAsync);
            foreach (var c in new[] { sandbox, up, clone, seed, verify, reset, compact, drop, spare, status, decide, config, suite, script, fingerprint, BranchCommand() })
            {
                root.Subcommands.Add(c);
            }

            return root;
        }

        /// <summary>A string option with a fixed set of values: help shows them, the shell completes them, anything else is refused naming the option.</summary>
        private static Option<string?> Choice(string name, string description, SettingKey key)
        {
            var option = new Option<string?>(name) { Description = description, HelpName = string.Join('|', key.Allowed) };
            option.CompletionSources.Add([.. key.Allowed]);
            option.Validators.Add(r =>
            {
                var value = r.Tokens.Count > 0 ? r.Tokens[0].Value : null;
                if (value is not null && !key.Allowed.Contains(value.ToLowerInvariant(), StringComparer.Ordinal))
                {
                    r.AddError($"{name}: '{value}' is not one of {string.Join(", ", key.Allowed)}");
                }
            });
            return option;
        }

        public bool WantsJson(ParseResult p)
        {
            try
            {
                return p.GetValue(_g.Json);
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }

        public int Fail(ParseResult p, string lever, int exitCode, Exception ex) =>
            WantsJson(p) ? Json.Failure(lever, exitCode, ex) : exitCode;

        private void NoJson(ParseResult p, string lever, string why)
        {
            if (p.GetValue(_g.Json))
            {
                throw new ConfigurationException("--json", $"`govclone {lever}` has no JSON form ({why})", $"run `govclone {lever}` without --json");
            }
        }

        private SeedProfile? Profile(ParseResult p) => p.GetValue(_profile)?.ToLowerInvariant() switch
        {
            null => null,
            "baseline" => SeedProfile.Baseline,
            _ => SeedProfile.Committed,
        };

        private ResolvedSettings Resolve(ParseResult p) => SettingsLoader.Resolve(_g.Sources(p, _host));

        private GovCloneSettings Settings(ParseResult p)
        {
            var resolved = Resolve(p);
            var settings = resolved.Parse();
            if (p.GetValue(_g.Verbose))
            {
                _host.Error.WriteLine($"govclone: stack file: {resolved.StackFile ?? "none"}");
                foreach (var v in resolved.Values.Where(v => v.Origin != SettingOrigin.Default))
                {
                    _host.Error.WriteLine($"govclone: {v.Key.ConfigKey} = {ConfigView.Shown(v)} ({ConfigView.Origin(v)})");
                }

                _host.Error.WriteLine($"govclone: server-side steps run through: {new Transport.ServerTransport(settings).RunCommandLine} (the password, if any, on its stdin)");
                if (settings.SshConfigFile is { } sshConfig)
                {
                    _host.Error.WriteLine($"govclone: ssh runs read {sshConfig} (ssh -F; {SettingsLoader.SshConfigFileVariable})");
                }

                _host.Error.WriteLine($"govclone: govclone's own connections: {settings.User}@{settings.Host}:{settings.Port} (sslmode {settings.SslMode})");
            }

            return settings;
        }

        /// <summary>
        /// The one place a lever's lifecycle is made. With --json, the engine's events (docs/events.md) and clone
        /// progress stream as NDJSON before the result document.
        /// </summary>
        private CloneLifecycle Lifecycle(ParseResult p, GovCloneSettings settings, bool progress = false)
        {
            var json = p.GetValue(_g.Json);
            IProgress<CloneProgress>? sink = !progress ? null
                : json ? Json
                : new ProgressView(_console, _host.Out, _host.IsTerminal);
            return new CloneLifecycle(settings, sink, json ? e => Json.EngineEvent(e.Json) : null);
        }

        /// <summary>
        /// Confirmation for the levers that discard state (issue 21): the baseline profile (the reset: the seeded evidence is
        /// deleted) and --purge-foreign (rows the seed did not write are deleted), on the clone or a branch. Same rules as
        /// drop: a terminal asks for the name, otherwise --yes or exit 2 before any connection.
        /// </summary>
        private async Task ConfirmDiscardAsync(ParseResult p, string lever, string database, SeedProfile profile, string noun, CancellationToken ct, string? name = null)
        {
            var purge = p.GetValue(_purgeForeign);
            if (profile != SeedProfile.Baseline && !purge)
            {
                return; // the committed seed converges the seed's own rows and keeps everything else: nothing to confirm
            }

            var what = new List<string>();
            if (purge)
            {
                what.Add($"first deletes every governance row of {database} the seed did not write (sql/purge_foreign_rows.sql)");
            }

            if (profile == SeedProfile.Baseline)
            {
                what.Add($"resets the governance state of {database} to the F-6 baseline; its seeded evidence is deleted");
            }

            var typed = lever + (profile == SeedProfile.Baseline && lever != "reset" ? " --profile baseline" : string.Empty)
                + (purge ? " --purge-foreign" : string.Empty) + (noun == "branch" ? " --branch" : string.Empty);
            await Confirmation.RequireAsync(_console, _host.IsInteractive && !p.GetValue(_g.Json), p.GetValue(_g.Yes), typed, name ?? database,
                string.Join(", then ", what), ct, noun);
        }

        private Task ConfirmAsync(ParseResult p, string lever, GovCloneSettings s, string what, CancellationToken ct) =>
            Confirmation.RequireAsync(_console, _host.IsInteractive && !p.GetValue(_g.Json), p.GetValue(_g.Yes), lever, s.CloneDatabase, what, ct);

        private int Lever(ParseResult p, GovCloneSettings s, LeverResult r)
        {
            if (p.GetValue(_g.Json))
            {
                return Json.Result(r.Lever, 0, JsonOutput.Lever(r, s.CloneDatabase));
            }

            _console.MarkupLine($"{Markup.Escape(r.Lever)}: {(r.Changed ? "[yellow]changed[/]" : "no change")}: {Markup.Escape(r.Summary)}");
            return 0;
        }

        /// <summary><c>--dry-run</c>: what the lever would send, where; nothing is connected to or changed.</summary>
        private int Plan(ParseResult p, string lever, GovCloneSettings s, IReadOnlyList<PlannedStep> steps, string? lockText = null)
        {
            lockText ??= LeverPlan.Lock(s);
            if (p.GetValue(_g.Json))
            {
                return Json.Result(lever, 0, new
                {
                    dryRun = true,
                    changed = false,
                    clone = s.CloneDatabase,
                    @lock = lockText,
                    plan = steps.Select(st => new { where = st.Where, language = st.Language, text = st.Text }),
                });
            }

            var comment = steps.All(st => st.Language == "bash") ? "#" : "--";
            _host.Out.WriteLine($"{comment} govclone {lever} --dry-run: nothing was connected to or changed. {lockText}");
            foreach (var st in steps)
            {
                _host.Out.WriteLine($"{comment} {st.Where}");
                var text = st.Text.TrimEnd();
                // One statement without its terminator (a DROP DATABASE) gets one, so the output runs as it is with psql -f.
                _host.Out.WriteLine(st.Language == "sql" && !text.EndsWith(';') ? text + ";" : text);
            }

            return 0;
        }

        private async Task<int> UpAsync(ParseResult p, CancellationToken ct)
        {
            var s = Settings(p);
            var result = await Lifecycle(p, s, progress: true).UpAsync(remakeSpare: _host.StartDetached is null, ct);
            var spare = result.SpareDue ? StartSpare(p, s) : null;
            // Production is live: others' changes during the run are named, not a failure. That govclone wrote nothing there
            // is proven per session; a session that wrote has already failed the run (ProductionWrittenException, exit 1).
            var exit = result.Verify.Passed ? 0 : 1;
            if (p.GetValue(_g.Json))
            {
                return Json.Result("up", exit, new
                {
                    changed = result.Changes > 0,
                    changes = result.Changes,
                    clone = s.CloneDatabase,
                    steps = result.Steps.Select(st => new { lever = st.Lever, changed = st.Changed, summary = st.Summary }),
                    verify = Rendering.VerifyJson(result.Verify),
                    productionUnchanged = result.ProductionUnchanged,
                    production = JsonOutput.Production(result.Production),
                    spare,
                });
            }

            ReportUp(result);
            if (spare is not null)
            {
                _console.MarkupLine(Markup.Escape("spare: " + spare));
            }

            return exit;
        }

        private void ReportUp(UpResult result)
        {
            _console.Write(Rendering.Steps(result.Steps));
            _console.Write(Rendering.HaveWant(result.Verify));
            _console.MarkupLine(Markup.Escape(result.Production.Describe()));
            _console.MarkupLine($"up: {(result.Verify.Passed ? "converged" : "[red]DRIFT[/]")}, {result.Changes} change(s)");
        }

        private async Task<int> CloneAsync(ParseResult p, CancellationToken ct)
        {
            var s = Settings(p);
            var force = p.GetValue(_force);
            if (p.GetValue(_dryRun))
            {
                return Plan(p, "clone", s, LeverPlan.Clone(s, force));
            }

            if (force)
            {
                await ConfirmAsync(p, "clone --force", s, $"replaces {s.CloneDatabase} with a fresh copy; its data and seeded state are lost", ct);
            }

            // With a host that can start a detached process, the ready spare is remade after this process returns:
            // a re-clone ends as soon as the fresh clone is ready.
            var result = await Lifecycle(p, s, progress: true).CloneAsync(force, remakeSpare: _host.StartDetached is null, ct);
            var spare = result.SpareDue ? StartSpare(p, s) : null;
            if (p.GetValue(_g.Json))
            {
                return Json.Result(result.Lever, 0, JsonOutput.Clone(result, s.CloneDatabase, spare));
            }

            _console.MarkupLine($"{Markup.Escape(result.Lever)}: {(result.Changed ? "[yellow]changed[/]" : "no change")}: {Markup.Escape(result.Summary)}");
            if (result.Production is { } production)
            {
                _console.MarkupLine(Markup.Escape(production.Describe()));
            }

            if (spare is not null)
            {
                _console.MarkupLine(Markup.Escape("spare: " + spare));
            }

            return 0;
        }

        private async Task<int> SpareAsync(ParseResult p, CancellationToken ct)
        {
            var s = Settings(p);
            return Lever(p, s, await Lifecycle(p, s).SpareAsync(ct));
        }

        /// <summary>
        /// Starts <c>govclone spare</c> detached, with this run's settings as <c>GOVCLONE_*</c> variables and no stack file
        /// (the password stays where it was: the environment or a pgpass file); says where it runs and logs. When it
        /// cannot be started, the spare is remade by the next clone or `govclone spare`.
        /// </summary>
        private string StartSpare(ParseResult p, GovCloneSettings s)
        {
            var environment = new Dictionary<string, string>(StringComparer.Ordinal) { [SettingsSources.StackFileVariable] = SettingsSources.NoStackFileValue };
            foreach (var (name, value) in Resolve(p).Raw)
            {
                if (value is not null && SettingKeys.Find(name) is { IsSecret: false } key)
                {
                    environment[key.EnvironmentVariable] = value;
                }
            }

            string log;
            try
            {
                // Never a predictable path in a shared folder: a 0700 folder of this user's, no link followed (issue 21.5).
                log = StateDirectory.PrepareFile(_host.Environment, $"spare-{s.CloneDatabase}.log");
            }
            catch (Exception ex) when (ex is UnsafeStatePathException or IOException or UnauthorizedAccessException)
            {
                return $"not started in the background ({ex.Message}): the next clone makes it, or run `govclone spare`";
            }

            var pid = _host.StartDetached!(["spare"], environment, log);
            return pid is { } id
                ? $"being remade in the background (govclone spare, pid {id}; log {log}; `govclone status` shows it)"
                : "could not start `govclone spare` in the background: the next clone makes it, or run `govclone spare`";
        }

        private async Task<int> SeedAsync(ParseResult p, CancellationToken ct)
        {
            var s = Settings(p);
            var profile = Profile(p) ?? SeedProfile.Committed;
            if (p.GetValue(_onBranch) is { } branch)
            {
                return await OnBranchSeedAsync(p, s, "seed", branch, profile, ct);
            }

            if (p.GetValue(_dryRun))
            {
                return Plan(p, "seed", s, LeverPlan.Seed(s, profile, p.GetValue(_purgeForeign)));
            }

            await ConfirmDiscardAsync(p, "seed", s.CloneDatabase, profile, "clone", ct);
            return Lever(p, s, await Lifecycle(p, s).SeedAsync(profile, p.GetValue(_purgeForeign), ct));
        }

        private async Task<int> ResetAsync(ParseResult p, CancellationToken ct)
        {
            var s = Settings(p);
            if (p.GetValue(_onBranch) is { } branch)
            {
                return await OnBranchSeedAsync(p, s, "reset", branch, SeedProfile.Baseline, ct);
            }

            if (p.GetValue(_dryRun))
            {
                return Plan(p, "reset", s, LeverPlan.Seed(s, SeedProfile.Baseline, p.GetValue(_purgeForeign)));
            }

            await ConfirmDiscardAsync(p, "reset", s.CloneDatabase, SeedProfile.Baseline, "clone", ct);
            return Lever(p, s, await Lifecycle(p, s).ResetAsync(p.GetValue(_purgeForeign), ct));
        }

        private async Task<int> CompactAsync(ParseResult p, CancellationToken ct)
        {
            var s = Settings(p);
            if (p.GetValue(_dryRun))
            {
                return Plan(p, "compact", s, LeverPlan.Compact(s));
            }

            return Lever(p, s, await Lifecycle(p, s).CompactAsync(ct));
        }

        private async Task<int> DropAsync(ParseResult p, CancellationToken ct)
        {
            var s = Settings(p);
            if (p.GetValue(_dryRun))
            {
                return Plan(p, "drop", s, LeverPlan.Drop(s));
            }

            await ConfirmAsync(p, "drop", s, $"drops {s.CloneDatabase} and its retained template {s.TemplateDatabase}, terminating their sessions", ct);
            return Lever(p, s, await Lifecycle(p, s).DropAsync(ct));
        }

        private async Task<int> VerifyAsync(ParseResult p, CancellationToken ct)
        {
            var s = Settings(p);
            var onBranch = p.GetValue(_onBranch);
            var result = onBranch is null
                ? await Lifecycle(p, s).VerifyAsync(Profile(p), ct)
                : await new GovClone.Lifecycle.BranchLifecycle(s).VerifyAsync(onBranch, Profile(p), ct);
            var exit = result.Passed ? 0 : 1;
            if (p.GetValue(_g.Json))
            {
                return Json.Result("verify", exit, onBranch is null ? Rendering.VerifyJson(result) : BranchVerifyJson(s, onBranch, result));
            }

            _console.Write(Rendering.HaveWant(result));
            _console.MarkupLine(result.Passed ? "verify: PASS" : "[red]verify: DRIFT[/] (" + Markup.Escape(string.Join("; ", result.Drift.Select(d => $"{d.Want.Name} have {d.Have?.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "missing"} want {d.Want.Value}"))) + ")");
            return exit;
        }

        private async Task<int> StatusAsync(ParseResult p, CancellationToken ct)
        {
            var s = await Lifecycle(p, Settings(p)).StatusAsync(ct);
            if (p.GetValue(_g.Json))
            {
                return Json.Result("status", 0, Rendering.StatusJson(s));
            }

            _console.Write(Rendering.Status(s));
            return 0;
        }

        private async Task<int> DecideAsync(ParseResult p, CancellationToken ct)
        {
            var markdown = p.GetValue(_markdown);
            if (markdown && p.GetValue(_g.Json))
            {
                throw new ConfigurationException("--markdown", "cannot be combined with --json", "pick one: --json for machines, --markdown for the decision record");
            }

            var settings = Settings(p);
            var s = await new CloneLifecycle(settings).StatusAsync(ct);
            if (markdown)
            {
                var (stack, options) = Invocation(p);
                _host.Out.Write(DecisionRecord.RenderMarkdown(settings, s.Facts, s.Decision, stack, options));
            }
            else if (p.GetValue(_g.Json))
            {
                return Json.Result("decide", 0, Rendering.DecisionJson(s.Decision));
            }
            else
            {
                _console.Write(Rendering.Factors(s.Decision));
                _console.MarkupLine($"decision: [bold]{s.Decision.Verdict}[/] ({Markup.Escape(s.Decision.Reason)})");
            }

            return 0;
        }

        /// <summary>
        /// How this run chose its settings, for lines people paste: the stack when not the default (<c>-s NAME</c>), and
        /// the other choices as options (<c>--stack-file</c> as a full path, <c>--no-stack-file</c>, each flag as <c>-c KEY=VALUE</c>).
        /// </summary>
        private (string? Stack, IReadOnlyList<string> Options) Invocation(ParseResult p)
        {
            var sources = _g.Sources(p, _host);
            var stack = sources.StackName is { } name && name != SettingsSources.DefaultStackName ? name : null;
            var options = new List<string>();
            if (sources.StackFilePath is { } file)
            {
                options.AddRange(["--stack-file", Path.GetFullPath(file, _host.WorkingDirectory)]);
            }

            if (sources.NoStackFile)
            {
                options.Add("--no-stack-file");
            }

            foreach (var (key, value) in sources.Flags)
            {
                options.AddRange(["-c", $"{key}={value}"]);
            }

            return (stack, options);
        }

        private async Task<int> FingerprintAsync(ParseResult p, CancellationToken ct)
        {
            var f = await Lifecycle(p, Settings(p)).FingerprintSourceAsync(ct);
            if (p.GetValue(_g.Json))
            {
                return Json.Result("fingerprint", 0, new { governance = f.Governance, catalog = f.Catalog });
            }

            _host.Out.WriteLine($"governance {f.Governance}\ncatalog {f.Catalog}");
            return 0;
        }

        /// <summary><c>govclone config [KEY]</c>: shown even when a value is wrong; then validated (exit 2 naming the key).</summary>
        private int ConfigAction(ParseResult p, string? keyName)
        {
            var resolved = Resolve(p);
            SettingValue? one = null;
            if (keyName is not null)
            {
                var key = SettingKeys.Find(keyName.Trim()) ?? throw new ConfigurationException(
                    "KEY", $"'{keyName}' is not a known setting", "known settings: " + string.Join(", ", SettingKeys.All.Select(k => k.Name)));
                one = resolved.Values.Single(v => v.Key == key);
            }

            GovCloneException? invalid = null;
            try
            {
                resolved.Parse();
            }
            catch (GovCloneException ex)
            {
                invalid = ex;
            }

            if (p.GetValue(_g.Json))
            {
                return Json.Result("config", invalid?.ExitCode ?? 0, ConfigView.Json(resolved, one, invalid));
            }

            _console.Write(one is null ? ConfigView.Table(resolved) : ConfigView.Detail(one));
            if (invalid is not null)
            {
                _host.Error.WriteLine("govclone: " + invalid.Message);
                return invalid.ExitCode;
            }

            return 0;
        }

        private async Task<int> SandboxUpAsync(ParseResult p, string? size, CancellationToken ct)
        {
            NoJson(p, "sandbox up", "it shows tables; run `govclone status --json --stack sandbox` after it");
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

            _console.MarkupLine($"sandbox: wrote {Markup.Escape(sandbox.StackFile)} (use -s sandbox)");
            var settings = SettingsLoader.Load(new SettingsSources
            {
                StackFilePath = sandbox.StackFile,
                SearchDirectory = sandbox.ProjectDirectory,
                Environment = _host.Environment ?? SettingsSources.ReadEnvironment(),
            });
            var lifecycle = new CloneLifecycle(settings, new ProgressView(_console, _host.Out, _host.IsTerminal));
            var up = await lifecycle.UpAsync(ct);
            ReportUp(up);
            var status = await lifecycle.StatusAsync(ct);
            _console.Write(Rendering.Status(status));
            _console.Write(Rendering.Factors(status.Decision));
            _console.MarkupLine($"decision: [bold]{status.Decision.Verdict}[/]");
            _console.MarkupLine("next: `govclone status -s sandbox`, `govclone verify -s sandbox`, … ; `govclone sandbox down` removes it all.");
            return up.Verify.Passed ? 0 : 1;
        }

        private async Task<int> SandboxDownAsync(ParseResult p, CancellationToken ct)
        {
            NoJson(p, "sandbox down", "it prints one line");
            var sandbox = new SandboxEnvironment(SettingsLoader.FindProjectDirectory(_host.WorkingDirectory));
            var existed = await sandbox.DestroyAsync(ct);
            _console.MarkupLine(existed ? "sandbox: stopped and removed" : "sandbox: nothing to remove");
            return 0;
        }
    }
}
