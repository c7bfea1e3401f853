using GovClone.Deploy;
using Pulumi;
using Pg = Pulumi.PostgreSql;

namespace GovCloneInfra;

/// <summary>The arguments of <see cref="CloneDatabase"/>: where the clone's server is, how to log in, the clone's name.</summary>
public sealed class CloneDatabaseArgs : ResourceArgs
{
    [Input("host", required: true)]
    public Input<string> Host { get; set; } = null!;

    [Input("port", required: true)]
    public Input<int> Port { get; set; } = null!;

    [Input("username", required: true)]
    public Input<string> Username { get; set; } = null!;

    /// <summary>govclone:password, a secret Output; unset when govclone:pgpassFile serves the password.</summary>
    [Input("password")]
    public Input<string>? Password { get; set; }

    /// <summary>The database the provider connects to (govclone:maintenanceDatabase).</summary>
    [Input("maintenanceDatabase", required: true)]
    public Input<string> MaintenanceDatabase { get; set; } = null!;

    [Input("sslMode", required: true)]
    public Input<string> SslMode { get; set; } = null!;

    [Input("connectTimeout", required: true)]
    public Input<int> ConnectTimeout { get; set; } = null!;

    /// <summary>The clone database (govclone:cloneDatabase).</summary>
    [Input("name", required: true)]
    public Input<string> Name { get; set; } = null!;
}

/// <summary>
/// The clone database as a Pulumi resource, through an explicit provider (its Read lets <c>pulumi refresh</c> see
/// an out-of-band drop), closed to the app (CONNECT and TEMPORARY revoked from PUBLIC). Created empty on a new
/// stack; filled, re-created and dropped only by govclone levers under the run lock: the provider never drops it
/// (<c>retainOnDelete</c>) nor renames it (a new name replaces it).
/// </summary>
public sealed class CloneDatabase : ComponentResource
{
    public CloneDatabase(string name, CloneDatabaseArgs args, ComponentResourceOptions? options = null)
        : base(ResourceTypes.CloneDatabase, name, options)
    {
        ArgumentNullException.ThrowIfNull(args);

        // The children keep the names the first release gave them, whatever this component's name: the provider's
        // URN never changes (the Database and Grant name it as their provider in every stack's state).
        Server = new Pg.Provider(DeployPlan.Provider, new Pg.ProviderArgs
        {
            Host = args.Host,
            Port = args.Port,
            Username = args.Username,
            Password = args.Password!,
            Database = args.MaintenanceDatabase,
            Sslmode = args.SslMode,
            ConnectTimeout = args.ConnectTimeout,
        }, new CustomResourceOptions { Parent = this });

        Database = new Pg.Database(DeployPlan.Database, new Pg.DatabaseArgs { Name = args.Name }, new CustomResourceOptions
        {
            Parent = this,
            Provider = Server,
            // The provider's DROP runs outside the run lock and without IF EXISTS: `govclone drop` (the clone step's
            // Delete) drops the clone, under the lock. Also makes the delete half of a replacement run nothing.
            RetainOnDelete = true,
            // The provider would rename the clone on a new name (postgresql_database.name is not ForceNew:
            // ALTER DATABASE old RENAME TO new, outside the lock): a new name is a new, empty database instead.
            ReplaceOnChanges = { "name" },
        });

        // An empty privilege list for PUBLIC revokes its default CONNECT and TEMPORARY.
        PublicRevoked = new Pg.Grant(DeployPlan.PublicRevoked, new Pg.GrantArgs
        {
            Database = args.Name,
            Role = "public",
            ObjectType = "database",
            Privileges = new InputList<string>(),
        }, new CustomResourceOptions
        {
            Parent = this,
            Provider = Server,
            DependsOn = { Database },
            // A new name replaces it, delete-first (the provider asks so), and that revoke is not wanted.
            RetainOnDelete = true,
        });

        Name = Database.Name;
        RegisterOutputs();
    }

    /// <summary>The clone database's name.</summary>
    [Output("name")]
    public Output<string> Name { get; }

    public Pg.Provider Server { get; }

    public Pg.Database Database { get; }

    public Pg.Grant PublicRevoked { get; }
}
