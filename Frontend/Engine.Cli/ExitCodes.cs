namespace Engine.Cli;

/// <summary>Process exit codes: 0 success, 1 a check failed (e.g. conformance regression), 2 bad input.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int CheckFailed = 1;
    public const int BadInput = 2;
}
