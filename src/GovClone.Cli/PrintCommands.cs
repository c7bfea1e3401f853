using System.CommandLine;
using GovClone.Configuration;
using GovClone.Sql;

namespace GovClone.Cli;

/// <summary>What prints texts and settings without connecting: <c>config</c>, <c>suite</c> (the psql regression suite), <c>script</c> (the clone engine's bundle).</summary>
public static partial class GovCloneCli
{
    private sealed partial class Commands
    {
        private Command ConfigCommand()
        {
            var keyArg = new Argument<string?>("KEY") { Description = "one key, with or without govclone: (default: all)", Arity = ArgumentArity.ZeroOrOne, HelpName = "KEY" };
            keyArg.CompletionSources.Add(_ => SettingKeys.All.Select(k => new System.CommandLine.Completions.CompletionItem(k.Name)));
            var config = new Command("config", "every setting: value, origin, type, allowed values, default") { keyArg };
            config.SetAction(p => ConfigAction(p, p.GetValue(keyArg)));
            return config;
        }

        private Command SuiteCommand()
        {
            var suite = new Command("suite", "print the psql regression suite for a profile") { _profile };
            suite.SetAction(p =>
            {
                NoJson(p, "suite", "it prints SQL");
                _host.Out.Write(RegressionSuite.Render(Profile(p) ?? SeedProfile.Committed));
                return 0;
            });
            return suite;
        }

        private Command ScriptCommand()
        {
            var script = new Command("script", "print the exact server-side clone script (no secrets)") { _force };
            script.SetAction(p =>
            {
                NoJson(p, "script", "it prints a bash script");
                _host.Out.Write(LeverPlan.CloneScript(Settings(p), p.GetValue(_force)));
                return 0;
            });
            return script;
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
    }
}
