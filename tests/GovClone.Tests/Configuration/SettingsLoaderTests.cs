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
        var s = SettingsLoader.Load(new SettingsSources { ProjectDirectory = RepoRoot(), Environment = new Dictionary<string, string>() });
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
            ProjectDirectory = RepoRoot(),
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
        var s = SettingsLoader.Load(new SettingsSources { ProjectDirectory = RepoRoot(), Environment = env });
        Assert.Equal(env["GOVCLONE_SSH_PRIVATE_KEY"], s.SshPrivateKey!.Reveal());
        Assert.DoesNotContain("BEGIN KEY", s.ToString(), StringComparison.Ordinal);

        var local = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(new SettingsSources
        {
            ProjectDirectory = RepoRoot(),
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
            ProjectDirectory = RepoRoot(),
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
