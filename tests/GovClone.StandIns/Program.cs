using GovClone.StandIns;

// The workflow tests' stand-ins: `pulumi ARGS` (PulumiStandIn) and `forward …` (the port forward of the stand-in ssh -L).
return args.Length == 0 ? Usage()
    : args[0] switch
    {
        "pulumi" => await PulumiStandIn.RunAsync(args[1..], Console.Out, Console.Error),
        "forward" => await Forwarder.RunAsync(args[1..]),
        _ => Usage(),
    };

static int Usage()
{
    Console.Error.WriteLine("usage: GovClone.StandIns pulumi ARGS... | forward LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT [READY_FIFO]");
    return 2;
}
