using System.CommandLine;
using GovClone.Configuration;
using GovClone.Lifecycle;
using Spectre.Console;

namespace GovClone.Cli;

/// <summary>The clone's levers: <c>up</c>, <c>clone</c>, <c>spare</c>, <c>seed</c>, <c>reset</c>, <c>compact</c>, <c>drop</c> (each the core's <see cref="CloneLifecycle"/>).</summary>
public static partial class GovCloneCli
{
    private sealed partial class Commands
    {
        private Command UpCommand()
        {
            var up = new Command("up", "converge: clone if needed, seed to the profile, run the suite");
            up.SetAction(UpAsync);
            return up;
        }

        private Command CloneCommand()
        {
            var clone = new Command("clone", "fresh clone: template copy or table streams; mark complete")
            {
                _force, _dryRun,
            };
            clone.SetAction(CloneAsync);
            return clone;
        }

        private Command SeedCommand()
        {
            var seed = new Command("seed", "seed the committed evidence (own=30 ... axis_tables=0)") { _profile, _purgeForeign, _dryRun, _onBranch };
            seed.SetAction(SeedAsync);
            return seed;
        }

        private Command ResetCommand()
        {
            var reset = new Command("reset", "reset to the F-6 baseline: own=0, gap=210, candidates=0") { _purgeForeign, _dryRun, _onBranch };
            reset.SetAction(ResetAsync);
            return reset;
        }

        private Command CompactCommand()
        {
            var compact = new Command("compact", "VACUUM (FULL, ANALYZE) the clone") { _dryRun };
            compact.SetAction(CompactAsync);
            return compact;
        }

        private Command DropCommand()
        {
            var drop = new Command("drop", "drop the clone and its retained template (idempotent)") { _dryRun };
            drop.SetAction(DropAsync);
            return drop;
        }

        private Command SpareCommand()
        {
            var spare = new Command("spare", "make the ready spare, so the next re-clone is a swap of names");
            spare.SetAction(SpareAsync);
            return spare;
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
            if (result.Verify.Masking is { } masking)
            {
                _console.MarkupLine(Markup.Escape(masking.Line));
            }

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
    }
}
