using GovClone.Configuration;

namespace GovClone.Tests.Configuration;

public class SettingsParserTests
{
    private static GovCloneSettings Parse(params (string Key, string? Value)[] values) =>
        SettingsParser.Parse(values.ToDictionary(v => v.Key, v => v.Value));

    [Theory]
    [InlineData("directus_gov_test_x\n")]
    [InlineData("directus_gov_test_x\r")]
    [InlineData("directus_gov_test_x\t")]
    [InlineData("directus_gov_test_x\0")]
    [InlineData("directus_gov_test_x ")]
    [InlineData("directus_gov_test_\u0445")]
    public void A_bad_clone_name_is_refused_naming_cloneDatabase_with_or_without_a_template_name(string clone)
    {
        var ex = Assert.Throws<GuardException>(() => Parse(("cloneDatabase", clone)));
        Assert.Equal("govclone:cloneDatabase", ex.Setting);
        Assert.DoesNotContain("templateDatabase", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<GuardException>(() => Parse(("cloneDatabase", clone), ("templateDatabase", "directus_gov_test_x_template")));
        Assert.Equal("govclone:cloneDatabase", ex.Setting);
    }

    [Fact]
    public void A_clone_name_whose_derived_template_name_is_too_long_is_the_setting_named()
    {
        var clone = "directus_gov_test_" + new string('a', 37); // 55 bytes: fine, but <clone>_template is 64
        var ex = Assert.Throws<GuardException>(() => Parse(("cloneDatabase", clone)));
        Assert.Equal("govclone:cloneDatabase", ex.Setting);
        Assert.Contains(clone + "_template", ex.Message, StringComparison.Ordinal);
        Assert.Equal(clone, Parse(("cloneDatabase", clone), ("templateDatabase", "directus_gov_test_tpl")).CloneDatabase);
    }

    [Fact]
    public void A_clone_name_leaves_room_for_its_companions()
    {
        var fits = "directus_gov_test_" + new string('a', 38); // 56 bytes: <clone>_bspare is 63
        Assert.Equal(fits, Parse(("cloneDatabase", fits), ("templateDatabase", "directus_gov_test_tpl")).CloneDatabase);
        var ex = Assert.Throws<GuardException>(() => Parse(("cloneDatabase", fits + "a"), ("templateDatabase", "directus_gov_test_tpl")));
        Assert.Equal("govclone:cloneDatabase", ex.Setting);
        Assert.Contains(fits + "a_bspare", ex.Message, StringComparison.Ordinal);
        Assert.Contains("at most 56 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("_next")]
    [InlineData("_old")]
    [InlineData("_spare")]
    [InlineData("_bspare")]
    public void The_template_is_not_one_of_the_clones_companions(string suffix)
    {
        var ex = Assert.Throws<GuardException>(() => Parse(("cloneDatabase", "directus_gov_test_x"), ("templateDatabase", "directus_gov_test_x" + suffix)));
        Assert.Equal("govclone:templateDatabase", ex.Setting);
    }

    [Theory]
    [InlineData("templateDatabase", "directus_gov_test_x_template\n", "govclone:templateDatabase")]
    [InlineData("templateDatabase", "directus_gov_test_x_template\r", "govclone:templateDatabase")]
    [InlineData("templateDatabase", " directus_gov_test_x_template", "govclone:templateDatabase")]
    public void A_bad_template_name_is_refused_naming_templateDatabase(string key, string value, string setting)
    {
        var ex = Assert.Throws<GuardException>(() => Parse(("cloneDatabase", "directus_gov_test_x"), (key, value)));
        Assert.Equal(setting, ex.Setting);
    }

    [Theory]
    [InlineData("sourceDatabase", "directus\n", "govclone:sourceDatabase")]
    [InlineData("sourceDatabase", "directus ", "govclone:sourceDatabase")]
    [InlineData("sourceDatabase", "directus\0", "govclone:sourceDatabase")]
    [InlineData("maintenanceDatabase", "postgres\n", "govclone:maintenanceDatabase")]
    [InlineData("appDatabase", "directus\r", "govclone:appDatabase")]
    [InlineData("host", "db\nx", "govclone:host")]
    [InlineData("host", "/run/pg\0", "govclone:host")]
    [InlineData("user", "workflow\nadmin", "govclone:user")]
    [InlineData("sshHost", "contabo\nx", "govclone:sshHost")]
    [InlineData("dockerContainer", "postgres\nx", "govclone:dockerContainer")]
    public void Names_that_are_only_read_are_not_trimmed_into_another_name(string key, string value, string setting)
    {
        var ex = Assert.Throws<ConfigurationException>(() => Parse((key, value)));
        Assert.Equal(setting, ex.Setting);
    }

    [Fact]
    public void A_memory_size_with_a_trailing_newline_is_not_a_memory_size() =>
        Assert.Throws<FormatException>(() => SettingsParser.MemoryKilobytes("512MB\n"));

    [Fact]
    public void Defaults_are_the_runbooks()
    {
        var s = Parse();
        Assert.Equal("directus", s.SourceDatabase);
        Assert.Equal("directus_gov_test_20260602", s.CloneDatabase);
        Assert.Equal("workflow_admin", s.User);
        Assert.Equal(TransportKind.Local, s.Transport);
        Assert.Equal(SeedProfile.Committed, s.SeedProfile);
        Assert.False(s.ProductionRolloutLanded);
        Assert.Empty(s.FollowUps);
        Assert.Equal(["directus"], s.QueryAllowlist);
        Assert.Equal(CloneMethod.Auto, s.CloneMethod);
        Assert.Equal(RetainTemplate.Auto, s.RetainTemplate);
        Assert.Equal("directus_gov_test_20260602_template", s.TemplateDatabase);
        Assert.Equal("lz4", s.ToastCompression);
        Assert.Equal(2, s.CloneJobs);
        Assert.Equal("512MB", s.MaintenanceWorkMem);
    }

    [Theory]
    [InlineData("streams", CloneMethod.Streams)]
    [InlineData("dump", CloneMethod.Dump)]
    [InlineData("Template", CloneMethod.Template)]
    [InlineData("source-template", CloneMethod.SourceTemplate)]
    public void Clone_methods_parse(string value, CloneMethod method) =>
        Assert.Equal(method, Parse(("cloneMethod", value)).CloneMethod);

    [Theory]
    [InlineData("port", "0", "govclone:port")]
    [InlineData("port", "65536", "govclone:port")]
    [InlineData("port", "54x", "govclone:port")]
    [InlineData("port", "-1", "govclone:port")]
    [InlineData("transport", "telnet", "govclone:transport")]
    [InlineData("transport", "", "govclone:transport")]
    [InlineData("sslMode", "maybe", "govclone:sslMode")]
    [InlineData("host", "-oProxyCommand=evil", "govclone:host")]
    [InlineData("host", "db host", "govclone:host")]
    [InlineData("user", "bob; rm -rf /", "govclone:user")]
    [InlineData("dockerContainer", "-it", "govclone:dockerContainer")]
    [InlineData("dockerContainer", "pg\"x", "govclone:dockerContainer")]
    [InlineData("sshHost", "-oProxyCommand=touch /tmp/x", "govclone:sshHost")]
    [InlineData("sshHost", "contabo \"rm -rf\"", "govclone:sshHost")]
    [InlineData("sourceDatabase", "", "govclone:sourceDatabase")]
    [InlineData("sourceDatabase", "directus; DROP TABLE x", "govclone:sourceDatabase")]
    [InlineData("followUps", "axis,bogus", "govclone:followUps")]
    [InlineData("productionRolloutLanded", "perhaps", "govclone:productionRolloutLanded")]
    [InlineData("seedProfile", "half", "govclone:seedProfile")]
    [InlineData("cloneGeneration", "one", "govclone:cloneGeneration")]
    [InlineData("lockTimeoutSeconds", "99999", "govclone:lockTimeoutSeconds")]
    [InlineData("pgBinDir", "relative/bin", "govclone:pgBinDir")]
    [InlineData("pgBinDir", "/nonexistent/bin", "govclone:pgBinDir")]
    [InlineData("pgpassFile", "/nonexistent/pgpass", "govclone:pgpassFile")]
    [InlineData("hostFreeBytes", "lots", "govclone:hostFreeBytes")]
    [InlineData("cloneDatbase", "x", "govclone:cloneDatbase")]
    [InlineData("cloneMethod", "rsync", "govclone:cloneMethod")]
    [InlineData("retainTemplate", "sometimes", "govclone:retainTemplate")]
    [InlineData("toastCompression", "zstd", "govclone:toastCompression")]
    [InlineData("cloneJobs", "0", "govclone:cloneJobs")]
    [InlineData("cloneJobs", "17", "govclone:cloneJobs")]
    [InlineData("maintenanceWorkMem", "512", "govclone:maintenanceWorkMem")]
    [InlineData("maintenanceWorkMem", "1TB", "govclone:maintenanceWorkMem")]
    [InlineData("streamTableMinBytes", "-1", "govclone:streamTableMinBytes")]
    public void Bad_values_name_the_setting_and_the_fix(string key, string value, string setting)
    {
        var ex = Assert.Throws<ConfigurationException>(() => Parse((key, value)));
        Assert.Equal(setting, ex.Setting);
        Assert.False(string.IsNullOrWhiteSpace(ex.Fix));
        Assert.Equal(2, ex.ExitCode);
    }

    [Theory]
    [InlineData("8kB", 8L)]
    [InlineData("512MB", 524288L)]
    [InlineData("2GB", 2097152L)]
    public void Memory_sizes_are_read_in_PostgreSQLs_kilobytes(string size, long kilobytes)
    {
        Assert.Equal(kilobytes, SettingsParser.MemoryKilobytes(size));
        Assert.Equal(kilobytes, Parse(("maintenanceWorkMem", size)).MaintenanceWorkMemInKilobytes());
    }

    [Theory]
    [InlineData("512")]
    [InlineData("1TB")]
    [InlineData("0MB")]
    public void A_memory_size_without_a_known_unit_is_refused(string size) =>
        Assert.Throws<FormatException>(() => SettingsParser.MemoryKilobytes(size));

    [Theory]
    [InlineData("directus_template")]
    [InlineData("directus")]
    [InlineData("directus_gov_test_20260602")]
    [InlineData("postgres")]
    public void A_template_name_that_is_not_a_clone_name_of_its_own_is_refused(string template)
    {
        var ex = Assert.ThrowsAny<GovCloneException>(() => Parse(("templateDatabase", template)));
        Assert.Contains("govclone:templateDatabase", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cloneDatabase", "directus")]
    [InlineData("cloneDatabase", "prod_copy")]
    [InlineData("cloneDatabase", "postgres")]
    public void Clone_names_are_guarded(string key, string value)
    {
        var ex = Assert.Throws<GuardException>(() => Parse((key, value)));
        Assert.Equal("govclone:cloneDatabase", ex.Setting);
    }

    [Fact]
    public void The_clone_may_not_be_the_apps_database_nor_in_the_query_allowlist()
    {
        Assert.Throws<GuardException>(() => Parse(("appDatabase", "directus_gov_test_20260602")));
        var ex = Assert.Throws<GuardException>(() => Parse(("queryAllowlist", "directus,directus_gov_test_20260602")));
        Assert.Equal("govclone:queryAllowlist", ex.Setting);
    }

    [Fact]
    public void Ssh_transport_requires_a_host()
    {
        var ex = Assert.Throws<ConfigurationException>(() => Parse(("transport", "ssh")));
        Assert.Equal("govclone:sshHost", ex.Setting);
    }

    [Fact]
    public void A_pgpass_file_others_can_read_is_refused_and_0600_is_accepted()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "*:*:*:*:pw\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            var ex = Assert.Throws<ConfigurationException>(() => Parse(("pgpassFile", path)));
            Assert.Equal("govclone:pgpassFile", ex.Setting);
            Assert.Contains("chmod 0600", ex.Message, StringComparison.Ordinal);

            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Assert.Equal(Path.GetFullPath(path), Parse(("pgpassFile", path)).PgpassFile);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_plain_text_password_is_refused()
    {
        var ex = Assert.Throws<ConfigurationException>(() => Parse(("password", "hunter2")));
        Assert.Equal("govclone:password", ex.Setting);
        Assert.DoesNotContain("hunter2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lists_come_as_json_or_comma_separated()
    {
        Assert.Equal(["axis", "dot"], Parse(("followUps", "[\"axis\",\"dot\"]")).FollowUps);
        Assert.Equal(["emit"], Parse(("followUps", " emit ")).FollowUps);
    }

    [Fact]
    public void Secrets_do_not_render()
    {
        var s = SettingsParser.Parse(new Dictionary<string, string?>(), new Secret("hunter2"));
        Assert.DoesNotContain("hunter2", s.ToString(), StringComparison.Ordinal);
        Assert.Equal("hunter2", s.Password!.Reveal());
    }
}
