namespace GovClone.Deploy;

/// <summary>
/// One resource's inputs, typed: what the program hands the resource's constructor (the secrets as
/// <see cref="SecretInput"/> placeholders, filled in by the program from secret config). One record per kind of
/// resource: <see cref="ServerInputs"/>, <see cref="DatabaseInputs"/>, <see cref="GrantInputs"/>, <see cref="CommandStep"/>.
/// </summary>
public abstract record ResourceInputs;

/// <summary>A secret input the program fills from secret config (never a value in the plan): <c>password</c> or <c>sshPrivateKey</c>.</summary>
public sealed record SecretInput(string Name)
{
    public const string Password = "password";
    public const string SshPrivateKey = "sshPrivateKey";

    public override string ToString() => $"[secret {Name}]";
}

/// <summary>The postgresql provider's configuration (<c>Pulumi.PostgreSql.Provider</c>): where the clone's server is and how to log in.</summary>
/// <param name="Password">The password (secret config); null when a pgpass file serves it.</param>
public sealed record ServerInputs(string Host, int Port, string Username, string Database, string SslMode, int ConnectTimeout, SecretInput? Password) : ResourceInputs;

/// <summary>A postgresql <c>Database</c>: only its name is set (every other attribute at the provider's default).</summary>
public sealed record DatabaseInputs(string Name) : ResourceInputs;

/// <summary>A postgresql <c>Grant</c> on a database; an empty <see cref="Privileges"/> list for PUBLIC revokes its default CONNECT and TEMPORARY.</summary>
public sealed record GrantInputs(string Database, string Role, string ObjectType, IReadOnlyList<string> Privileges) : ResourceInputs;
