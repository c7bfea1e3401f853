using GovClone.Configuration;

namespace GovClone.Tests.Configuration;

public class SettingsLoaderTests
{
    private static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        return SettingsLoader.FindProjectDirectory(dir) is var found && File.Exists(Path.Combine(found, "Pulumi.yaml"))
            ? found
            : throw new InvalidOperationException("repo root not found above " + dir);
    }

    [Fact]
    public void Reads_the_nonprod_stack_file_of_the_repo()
    {
        var s = SettingsLoader.Load(new SettingsSources { SearchDirectory = RepoRoot(), Environment = new Dictionary<string, string>() });
        Assert.Equal(TransportKind.Ssh, s.Transport);
        Assert.Equal("contabo", s.SshHost);
        Assert.Equal("postgres", s.DockerContainer);
        Assert.Equal("directus_gov_test_20260602", s.CloneDatabase);
        Assert.Null(s.Password);
    }

    [Fact]
    public void Environment_overrides_the_file_and_flags_override_the_environment()
    {
        var env = new Dictionary<string, string> { ["GOVCLONE_PORT"] = "6000", ["GOVCLONE_TRANSPORT"] = "docker", ["GOVCLONE_PASSWORD"] = "s3cret" };
        var s = SettingsLoader.Load(new SettingsSources
        {
            SearchDirectory = RepoRoot(),
            Environment = env,
            Flags = new Dictionary<string, string> { ["port"] = "6001" },
        });
        Assert.Equal(6001, s.Port);
        Assert.Equal(TransportKind.Docker, s.Transport);
        Assert.Equal("s3cret", s.Password!.Reveal());
    }

    [Fact]
    public void The_ssh_private_key_comes_from_the_environment_only_and_needs_the_ssh_transport()
    {
        var env = new Dictionary<string, string> { ["GOVCLONE_SSH_PRIVATE_KEY"] = "-----BEGIN KEY-----\nabc\n-----END KEY-----" };
        var s = SettingsLoader.Load(new SettingsSources { SearchDirectory = RepoRoot(), Environment = env });
        Assert.Equal(env["GOVCLONE_SSH_PRIVATE_KEY"], s.SshPrivateKey!.Reveal());
        Assert.DoesNotContain("BEGIN KEY", s.ToString(), StringComparison.Ordinal);

        var local = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(new SettingsSources
        {
            SearchDirectory = RepoRoot(),
            Environment = env,
            Flags = new Dictionary<string, string> { ["transport"] = "local" },
        }));
        Assert.Equal("govclone:sshPrivateKey", local.Setting);
        Assert.DoesNotContain("BEGIN KEY", local.Message, StringComparison.Ordinal);

        // Never from a file or a flag: a plain value is refused like the password.
        var plain = Assert.Throws<ConfigurationException>(() => SettingsParser.Parse(new Dictionary<string, string?> { ["sshPrivateKey"] = "x" }));
        Assert.Equal("govclone:sshPrivateKey", plain.Setting);
    }

    [Fact]
    public void A_missing_stack_names_the_flag_and_the_fix()
    {
        var ex = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(new SettingsSources
        {
            StackName = "nosuchstack",
            SearchDirectory = RepoRoot(),
            Environment = new Dictionary<string, string>(),
        }));
        Assert.Equal("--stack", ex.Setting);
    }

    [Fact]
    public void Secure_values_are_never_decoded_and_unknown_keys_are_refused()
    {
        var dir = Directory.CreateTempSubdirectory("govclone-stack");
        try
        {
            var path = Path.Combine(dir.FullName, "Pulumi.x.yaml");
            File.WriteAllText(path, "config:\n  govclone:password:\n    secure: v1:abc\n  govclone:port: \"5433\"\n");
            var file = StackFile.Read(path);
            Assert.Equal(["govclone:password"], file.SecureKeys);
            Assert.False(file.Values.ContainsKey("govclone:password"));
            Assert.Equal(5433, SettingsLoader.Load(new SettingsSources { StackFilePath = path, Environment = new Dictionary<string, string>() }).Port);

            File.WriteAllText(path, "config:\n  govclone:clonedatabase: directus_gov_test_x\n");
            var ex = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(new SettingsSources { StackFilePath = path, Environment = new Dictionary<string, string>() }));
            Assert.Equal("govclone:clonedatabase", ex.Setting);

            File.WriteAllText(path, "config: [unclosed\n");
            Assert.Throws<ConfigurationException>(() => StackFile.Read(path));
        }
        finally
        {
            dir.Delete(true);
        }
    }
}

/// <summary>Where the stack file is found (from the current folder up to the project root), and what the error says when it is not.</summary>
public sealed class StackFileSearchTests : IDisposable
{
    private static readonly Dictionary<string, string> NoEnvironment = [];
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("govclone-search");

    public void Dispose() => _root.Delete(true);

    /// <summary>root/ (no Pulumi.yaml) → project/ (Pulumi.yaml, Pulumi.nonprod.yaml) → project/a/b.</summary>
    private (string Project, string Deep) Layout()
    {
        var project = Directory.CreateDirectory(Path.Combine(_root.FullName, "project")).FullName;
        File.WriteAllText(Path.Combine(project, "Pulumi.yaml"), "name: govclone\n");
        File.WriteAllText(Path.Combine(project, "Pulumi.nonprod.yaml"), "config:\n  govclone:port: \"6001\"\n");
        var deep = Directory.CreateDirectory(Path.Combine(project, "a", "b")).FullName;
        return (project, deep);
    }

    [Fact]
    public void Found_from_a_subfolder_of_the_project()
    {
        var (project, deep) = Layout();
        var resolved = SettingsLoader.Resolve(new SettingsSources { SearchDirectory = deep, Environment = NoEnvironment });
        Assert.Equal(Path.Combine(project, "Pulumi.nonprod.yaml"), resolved.StackFile);
        Assert.Equal(6001, resolved.Parse().Port);
        var port = resolved.Values.Single(v => v.Key == SettingKeys.Port);
        Assert.Equal((SettingOrigin.StackFile, resolved.StackFile), (port.Origin, port.From));
    }

    [Fact]
    public void A_stack_file_nearer_than_the_project_root_wins()
    {
        var (_, deep) = Layout();
        var near = Path.Combine(deep, "..", "Pulumi.nonprod.yaml");
        File.WriteAllText(near, "config:\n  govclone:port: \"6002\"\n");
        Assert.Equal(6002, SettingsLoader.Load(new SettingsSources { SearchDirectory = deep, Environment = NoEnvironment }).Port);
    }

    [Fact]
    public void The_search_stops_at_the_project_root_and_the_error_says_where_it_looked_and_how_to_point_at_a_file()
    {
        var (project, deep) = Layout();
        // A stack file above the project root is someone else's: never read.
        File.WriteAllText(Path.Combine(_root.FullName, "Pulumi.other.yaml"), "config: {}\n");
        var ex = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(new SettingsSources { StackName = "other", SearchDirectory = deep, Environment = NoEnvironment }));
        Assert.Equal("--stack", ex.Setting);
        Assert.Contains("Pulumi.other.yaml", ex.Problem, StringComparison.Ordinal);
        Assert.Contains(deep, ex.Problem, StringComparison.Ordinal);
        Assert.Contains(project + " (the project root", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("--stack-file PATH", ex.Fix, StringComparison.Ordinal);
        Assert.Contains("-s NAME (nonprod)", ex.Fix, StringComparison.Ordinal);
        Assert.Contains("--no-stack-file", ex.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Outside_any_project_the_default_stack_is_not_silently_replaced_by_defaults()
    {
        var lonely = Directory.CreateDirectory(Path.Combine(_root.FullName, "lonely")).FullName;
        var ex = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(new SettingsSources { SearchDirectory = lonely, Environment = NoEnvironment }));
        Assert.Contains("Pulumi.nonprod.yaml", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("no Pulumi.yaml above it", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void No_stack_file_takes_defaults_environment_and_flags_only()
    {
        var (_, deep) = Layout();
        var env = new Dictionary<string, string> { ["GOVCLONE_PORT"] = "7000", ["GOVCLONE_PASSWORD"] = "pw" };
        var flags = new Dictionary<string, string> { ["cloneJobs"] = "3" };
        var names = new Dictionary<string, string> { ["cloneJobs"] = "-c cloneJobs" };
        foreach (var sources in new[]
        {
            new SettingsSources { NoStackFile = true, SearchDirectory = deep, Environment = env, Flags = flags, FlagNames = names },
            new SettingsSources { SearchDirectory = deep, Environment = new Dictionary<string, string>(env) { [SettingsSources.StackFileVariable] = "none" }, Flags = flags, FlagNames = names },
        })
        {
            var resolved = SettingsLoader.Resolve(sources);
            Assert.Null(resolved.StackFile);
            var s = resolved.Parse();
            Assert.Equal((7000, 3, "pw"), (s.Port, s.CloneJobs, s.Password!.Reveal()));
            Assert.Equal((SettingOrigin.Environment, "GOVCLONE_PORT"), resolved.Values.Where(v => v.Key == SettingKeys.Port).Select(v => (v.Origin, v.From)).Single());
            Assert.Equal((SettingOrigin.Flag, "-c cloneJobs"), resolved.Values.Where(v => v.Key == SettingKeys.CloneJobs).Select(v => (v.Origin, v.From)).Single());
            var password = resolved.Values.Single(v => v.Key == SettingKeys.Password);
            Assert.Equal((true, (string?)null, "GOVCLONE_PASSWORD"), (password.IsSet, password.Value, password.From));
            Assert.Equal(SettingOrigin.Default, resolved.Values.Single(v => v.Key == SettingKeys.Transport).Origin);
        }
    }

    [Fact]
    public void A_stack_asked_for_by_name_beats_the_environment_and_no_stack_file_refuses_to_be_combined()
    {
        var (project, deep) = Layout();
        var env = new Dictionary<string, string> { [SettingsSources.StackFileVariable] = "none" };
        Assert.Equal(Path.Combine(project, "Pulumi.nonprod.yaml"), SettingsLoader.FindStackFile(new SettingsSources { StackName = "nonprod", SearchDirectory = deep, Environment = env }));
        var ex = Assert.Throws<ConfigurationException>(() => SettingsLoader.FindStackFile(new SettingsSources { NoStackFile = true, StackName = "nonprod", SearchDirectory = deep, Environment = NoEnvironment }));
        Assert.Equal("--no-stack-file", ex.Setting);
        var missing = Assert.Throws<ConfigurationException>(() => SettingsLoader.FindStackFile(new SettingsSources { SearchDirectory = deep, Environment = new Dictionary<string, string> { [SettingsSources.StackFileVariable] = "nope.yaml" } }));
        Assert.Equal(SettingsSources.StackFileVariable, missing.Setting);
        Assert.Contains(Path.Combine(deep, "nope.yaml"), missing.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_relative_stack_file_is_read_from_the_working_folder()
    {
        var (_, deep) = Layout();
        File.WriteAllText(Path.Combine(deep, "mine.yaml"), "config:\n  govclone:port: \"6003\"\n");
        Assert.Equal(6003, SettingsLoader.Load(new SettingsSources { StackFilePath = "mine.yaml", SearchDirectory = deep, Environment = NoEnvironment }).Port);
    }
}
