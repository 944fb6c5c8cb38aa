namespace Interrogate.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.WriteLine("interrogate: skeleton");
        return 0;
    }
}
