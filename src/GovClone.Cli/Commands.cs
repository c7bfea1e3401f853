using System.CommandLine;
using System.CommandLine.Help;
using GovClone.Configuration;
using GovClone.Lifecycle;
using Spectre.Console;

namespace GovClone.Cli;

/// <summary>
/// What every command group shares: the root command and its options, the settings of a run (and <c>-v</c>'s account of
/// them), the one place a lifecycle is made, confirmation, a lever's result line or document, and <c>--dry-run</c>'s plan.
/// </summary>
public static partial class GovCloneCli
{
    private sealed partial class Commands
    {
        private readonly CliHost _host;
        private readonly IAnsiConsole _console;
        private readonly GlobalOptions _g = new();
        private readonly Option<string?> _profile = Choice("--profile", "the profile [default: govclone:seedProfile]", SettingKeys.SeedProfile);
        private readonly Option<bool> _force = new("--force") { Description = "re-clone a complete clone (asks first)" };
        private readonly Option<bool> _dryRun = new("--dry-run") { Description = "print the exact SQL or script; change nothing" };
        private readonly Option<bool> _purgeForeign = new("--purge-foreign") { Description = "first delete governance rows the seed did not write (refused, naming them, without it)" };

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

            foreach (var c in new[]
            {
                SandboxCommand(), UpCommand(), CloneCommand(), SeedCommand(), VerifyCommand(), ResetCommand(), CompactCommand(), DropCommand(),
                SpareCommand(), StatusCommand(), DecideCommand(), ConfigCommand(), SuiteCommand(), ScriptCommand(), FingerprintCommand(), BranchCommand(),
            })
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
    }
}
