using ReproKit.Cli;

namespace ReproKit.Tests;

/// <summary>Runs the CLI in-process and captures its exit code, stdout and stderr.</summary>
internal static class TestCli
{
    internal static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }
}
