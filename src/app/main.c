/** @file app/main.c  hotline entry point */
int main(void)
{
	return 0;
}
