using GovClone.Guards;
using Pulumi;
using Pg = Pulumi.PostgreSql;

namespace GovCloneInfra;

public sealed class CloneDatabaseArgs
{
    public required StackSettings Stack { get; init; }
}

/// <summary>
/// The clone database: a <c>postgresql.Database</c> through an explicit provider (its Read lets
/// <c>pulumi refresh</c> see an out-of-band drop; its Delete forces off leftover sessions), closed to the
/// app: CONNECT and TEMPORARY revoked from PUBLIC.
/// </summary>
public sealed class CloneDatabase : ComponentResource
{
    public CloneDatabase(string name, CloneDatabaseArgs args, ComponentResourceOptions? options = null)
        : base("govclone:postgres:CloneDatabase", name, options)
    {
        ArgumentNullException.ThrowIfNull(args);
        var s = args.Stack.Settings;
        DatabaseNameGuard.RequireClone(s.CloneDatabase, s.SourceDatabase);

        Provider = new Pg.Provider($"{name}-server", new Pg.ProviderArgs
        {
            Host = s.Host,
            Port = s.Port,
            Username = s.User,
            Password = args.Stack.Password!,
            Database = s.MaintenanceDatabase,
            Sslmode = s.SslMode,
            ConnectTimeout = 15,
        }, new CustomResourceOptions { Parent = this });

        Database = new Pg.Database($"{name}-database", new Pg.DatabaseArgs
        {
            Name = s.CloneDatabase,
        }, new CustomResourceOptions { Parent = this, Provider = Provider });

        // Isolation: an empty privilege list for PUBLIC revokes the default CONNECT/TEMPORARY.
        PublicRevoked = new Pg.Grant($"{name}-no-public-connect", new Pg.GrantArgs
        {
            Database = Database.Name,
            Role = "public",
            ObjectType = "database",
            Privileges = new InputList<string>(),
        }, new CustomResourceOptions { Parent = this, Provider = Provider, DeletedWith = Database });

        Name = Database.Name;
        RegisterOutputs(new Dictionary<string, object?> { ["name"] = Name });
    }

    public Pg.Provider Provider { get; }

    public Pg.Database Database { get; }

    public Pg.Grant PublicRevoked { get; }

    public Output<string> Name { get; }
}
